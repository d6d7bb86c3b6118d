// Latency: API create of a ScriptExecution on one instance → its SendCommand at the emulator,
// once with an otherwise idle operator and once while a 3,000-target execution keeps it busy.
//
// Both ends are read from this machine's one wall clock: the create time from Date.now() just
// before the request, the send time from the emulator's requestedAt, which it takes from Python's
// time.time() and prints as UTC ISO 8601 with milliseconds (cut, not rounded).
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorControl } from '../../infra/emulator.js';
import { probeAwsCalls, requestAnatomy, type AwsCallTime, type RequestKind } from '../anatomy.js';
import { requestTimes } from '../apiserver.js';
import { latencyByPhase, type PhaseLatency } from '../busy-phases.js';
import { executionUidOf } from '../aws-calls.js';
import { progress, type BenchEnv } from '../env.js';
import { meterLoad, type Load } from '../load.js';
import { accountIds, seedPlacements } from '../fleet.js';
import { executionManifest } from '../kube.js';
import { POLLS } from '../sampler.js';
import { openStage, type Stage } from '../stage.js';
import {
  BUSY_ACCOUNTS,
  BUSY_RUNNING_SECONDS,
  BUSY_TARGETS,
  busyWindows,
  prepareBusyLoad,
  startBusyLoad,
  startEmulatorPulse,
  waitBusySending,
  type BusyExecution,
} from './busy-load.js';

export const REGION = 'us-east-1';
const LATENCY_ACCOUNT = accountIds('91', 1)[0]!;
/**
 * Pause between samples. The operator limits its own SendCommand calls to 5 per second per account
 * and region (burst 10, `AWS_RATE_LIMITS`); samples that follow each other faster than that to one
 * instance pool measure the limiter, not the path (a 50 ms gap did: after the burst, sends came
 * 200 ms apart and the median rose from about 55 ms to 139 ms). 250 ms keeps below the limit.
 */
export const GAP_MS = 250;

export interface LatencySample {
  /** when the create request was sent (epoch ms) */
  at: number;
  /** create request sent → SendCommand received */
  ms: number;
  /** create request sent → create answered */
  createMs: number;
}

export interface LatencyRun {
  samples: LatencySample[];
  /** wall time of the run */
  seconds: number;
  /** API server requests per execution during the run, by kind */
  requests: RequestKind[];
  load: Load;
}

export interface LatencyResult {
  light: LatencyRun;
  busy: LatencyRun & {
    busyTargets: number;
    busyInvocationSeconds: number;
    busyExecutionsStarted: number;
    busyPollsPerSecond: number;
    byPhase: PhaseLatency[];
    /** a one-instance DescribeInstances timed every 250 ms during the busy samples, by phase */
    emulatorByPhase: PhaseLatency[];
  };
  lifecycle: { pendingSeconds: number; runningSeconds: number };
  awsCalls: AwsCallTime[];
}

async function sendCount(control: EmulatorControl, account: string): Promise<number> {
  return control.callCount({ service: 'ssm', operation: 'SendCommand', account });
}

async function waitSendCount(
  stage: Stage,
  control: EmulatorControl,
  account: string,
  wanted: number,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await sendCount(control, account)) < wanted) {
    stage.assertOperatorAlive();
    if (Date.now() > deadline) throw new Error(`no SendCommand within 30 s (${wanted})`);
    await sleep(20);
  }
}

export interface SampleOptions {
  /** names the executions (lat-<mode>-<n>) and the progress lines */
  mode: string;
  samples: number;
  account: string;
  instanceIds: string[];
}

/**
 * Creates one one-instance execution after another in the stage, each when the previous one's
 * SendCommand has arrived and GAP_MS more have passed; returns each one's create → send time.
 */
export async function sampleSends(
  env: BenchEnv,
  stage: Stage,
  options: SampleOptions,
): Promise<LatencySample[]> {
  const { mode, account, instanceIds } = options;
  const control = env.emulator.control;
  const createdAt = new Map<string, { at: number; createMs: number }>();
  const base = await sendCount(control, account);
  for (let i = 0; i < options.samples; i += 1) {
    stage.assertOperatorAlive();
    const manifest = executionManifest(
      `lat-${mode}-${i}`,
      [{ account, regions: [REGION], instanceIds: [instanceIds[i % instanceIds.length]!] }],
      'echo latency',
    );
    const at = Date.now();
    const created = await stage.objects.create(manifest);
    createdAt.set(String(created.metadata.uid), { at, createMs: Date.now() - at });
    await waitSendCount(stage, control, account, base + i + 1);
    await sleep(GAP_MS);
    if ((i + 1) % 50 === 0) progress(`latency (${mode}): ${i + 1}/${options.samples}`);
  }
  const samples: LatencySample[] = [];
  for (const command of await control.sentCommands({ account })) {
    const created = createdAt.get(executionUidOf(command.comment) ?? '');
    if (created)
      samples.push({
        at: created.at,
        ms: Date.parse(command.requestedAt) - created.at,
        createMs: created.createMs,
      });
  }
  if (samples.length !== options.samples)
    throw new Error(`latency (${mode}): ${samples.length} sends for ${options.samples} executions`);
  return samples;
}

async function measure(
  env: BenchEnv,
  stage: Stage,
  mode: string,
  count: { samples: number; instanceIds: string[] },
): Promise<LatencyRun> {
  const began = Date.now();
  const requestsBefore = await requestTimes(env.plane);
  const loadMeter = await meterLoad(stage.operator);
  const samples = await sampleSends(env, stage, { mode, account: LATENCY_ACCOUNT, ...count });
  const seconds = (Date.now() - began) / 1000;
  const load = await loadMeter.stop();
  const requests = requestAnatomy(requestsBefore, await requestTimes(env.plane), count.samples);
  return { samples, seconds, requests, load };
}

async function measureBusy(
  env: BenchEnv,
  stage: Stage,
  options: { samples: number; instanceIds: string[] },
): Promise<LatencyResult['busy']> {
  const control = env.emulator.control;
  const load = startBusyLoad(stage);
  let run: LatencyRun;
  let polls: number;
  let pulses: { at: number; ms: number }[];
  let executions: BusyExecution[] = [];
  try {
    await waitBusySending(control);
    const pollsBefore = await stage.operator.metric(POLLS);
    const pulse = await startEmulatorPulse(env.emulator.endpoint, {
      account: LATENCY_ACCOUNT,
      region: REGION,
      instanceId: options.instanceIds[0]!,
    });
    run = await measure(env, stage, 'busy', options);
    pulses = await pulse.stop();
    polls = (await stage.operator.metric(POLLS)) - pollsBefore;
  } finally {
    progress('latency: waiting for the busy execution to finish');
    executions = await load.stop();
  }
  const windows = await busyWindows(control, executions);
  return {
    ...run,
    busyTargets: BUSY_TARGETS,
    busyInvocationSeconds: BUSY_RUNNING_SECONDS,
    busyExecutionsStarted: executions.length,
    busyPollsPerSecond: polls / run.seconds,
    byPhase: latencyByPhase(run.samples, windows),
    emulatorByPhase: latencyByPhase(pulses, windows),
  };
}

export async function runLatency(env: BenchEnv, samples: number): Promise<LatencyResult> {
  const control = env.emulator.control;
  await control.reset();
  const lifecycle = await control.setLifecycle({ pendingSeconds: 0.1, runningSeconds: 0.2 });
  const [seeded] = await seedPlacements(env.emulator.endpoint, [
    { account: LATENCY_ACCOUNT, region: REGION, count: 20, tag: 'latency' },
  ]);
  await prepareBusyLoad(env.emulator.endpoint, control);
  const stage = await openStage(env, {
    name: 'latency',
    accounts: [LATENCY_ACCOUNT, ...BUSY_ACCOUNTS],
    defaultRegion: REGION,
  });
  try {
    const instanceIds = seeded!.instanceIds;
    const light = await measure(env, stage, 'light', { samples, instanceIds });
    const busy = await measureBusy(env, stage, { samples, instanceIds });
    const awsCalls = await probeAwsCalls(env.emulator.endpoint, {
      account: LATENCY_ACCOUNT,
      region: REGION,
      instanceId: instanceIds[0]!,
    });
    return { light, busy, lifecycle, awsCalls };
  } finally {
    await stage.stop();
  }
}
