// Many small executions at once: 1,000 executions of one instance each, spread over the scale
// fleet's 60 account+region pairs, created as fast as 8 concurrent clients can; time until the last
// one completes, the operator's memory and CPU, and API server requests per execution.
import { callsByOperation, type CallsByOperation } from '../aws-calls.js';
import { progress, type BenchEnv } from '../env.js';
import type { SeededGroup } from '../fleet.js';
import { footprintSummary } from '../footprint-summary.js';
import { meterFootprint, type Footprint } from '../footprint.js';
import { executionManifest, runMs } from '../kube.js';
import { openStage, type OperatorLauncher, type Stage } from '../stage.js';
import { spread, type Spread } from '../stats.js';
import { assertSucceeded, waitAllFinished } from '../wait.js';
import { SCALE_ACCOUNTS, SCALE_REGIONS } from './scale.js';

const CREATORS = 8;

export interface ConcurrentResult {
  executions: number;
  /** first create sent → last create answered */
  createMs: number;
  /** first create sent → the last completionTime */
  ms: number;
  /** first create sent → the first completionTime */
  firstCompleteMs: number;
  /** each execution's create → completionTime */
  perExecution: Spread;
  footprint: Footprint;
  calls: CallsByOperation;
}

async function createAll(
  stage: Stage,
  fleet: SeededGroup[],
  count: number,
): Promise<Map<string, number>> {
  const createdAt = new Map<string, number>();
  let next = 0;
  const creator = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const group = fleet[i % fleet.length]!;
      const instanceId = group.instanceIds[Math.floor(i / fleet.length) % group.count]!;
      const target = { account: group.account, regions: [group.region], instanceIds: [instanceId] };
      const at = Date.now();
      await stage.objects.create(executionManifest(`small-${i}`, [target], 'echo small'));
      createdAt.set(`small-${i}`, at);
    }
  };
  await Promise.all(Array.from({ length: CREATORS }, creator));
  return createdAt;
}

export async function runConcurrent(
  env: BenchEnv,
  fleet: SeededGroup[],
  options: { count: number; launch?: OperatorLauncher; operatorEnv?: Record<string, string> },
): Promise<ConcurrentResult> {
  const { count } = options;
  const stage = await openStage(env, {
    name: 'many',
    accounts: SCALE_ACCOUNTS,
    defaultRegion: SCALE_REGIONS[0]!,
    launch: options.launch,
    operatorEnv: options.operatorEnv,
  });
  try {
    await env.emulator.control.resetCallCounts();
    const meter = await meterFootprint(env, stage);
    const began = Date.now();
    const createdAt = await createAll(stage, fleet, count);
    const createMs = Date.now() - began;
    progress(`${count} executions: all created in ${(createMs / 1000).toFixed(1)} s`);
    let reported = 0;
    const executions = await waitAllFinished(stage, count, {
      timeoutMs: 600_000,
      intervalMs: 2_000,
      onProgress: (done) => {
        if (done - reported < 250) return;
        reported = done;
        progress(`${count} executions: ${done} finished`);
      },
    });
    const footprint = await meter.stop();
    executions.forEach(assertSucceeded);
    const completed = executions.map((e) => Date.parse(String(e.status?.completionTime)));
    const result = {
      executions: executions.length,
      createMs,
      ms: Math.max(...completed) - began,
      firstCompleteMs: Math.min(...completed) - began,
      perExecution: spread(executions.map((e) => runMs(e, createdAt.get(e.metadata.name)!))),
      footprint,
      calls: await callsByOperation(env.emulator.control),
    };
    progress(`${count} executions: ${footprintSummary(result.ms, footprint)}`);
    return result;
  } finally {
    await stage.stop();
  }
}
