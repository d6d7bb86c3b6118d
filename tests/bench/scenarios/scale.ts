// Scale: one execution over 10,020 instances in 20 accounts × 3 regions, on a fresh operator per
// run: its memory and CPU, the API server requests it took, and the largest object it wrote. Run
// once per runtime: through tsx (as the tests run the operator) and as compiled JavaScript (as
// the container image runs it), and compiled again with a smaller V8 heap limit.
import { startCompiledOperator, type CompiledOperator } from '../compiled-operator.js';
import { progress, type BenchEnv } from '../env.js';
import { accountIds, seedPlacements, type SeededGroup } from '../fleet.js';
import { footprintSummary } from '../footprint-summary.js';
import { idleMemory, meterFootprint, type Footprint } from '../footprint.js';
import { executionManifest, runMs, type PcmObject } from '../kube.js';
import type { MemorySample } from '../sampler.js';
import { startOperator } from '../../support/operator.js';
import { openStage, type OperatorLauncher } from '../stage.js';
import { assertSucceeded, waitFinished } from '../wait.js';

export const SCALE_ACCOUNTS = accountIds('95', 20);
export const SCALE_REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
export const SCALE_PER_REGION = 167;

export interface ObjectSize {
  kind: string;
  name: string;
  bytes: number;
}

export interface ScaleRun {
  runtime: string;
  targets: number;
  ms: number;
  idle: MemorySample;
  footprint: Footprint;
  largest: ObjectSize;
  executionBytes: number;
  batches: number;
}

export interface RuntimeVariant {
  label: string;
  compiled: boolean;
  nodeOptions?: string;
}

export async function seedScaleFleet(env: BenchEnv): Promise<SeededGroup[]> {
  return seedPlacements(
    env.emulator.endpoint,
    SCALE_ACCOUNTS.flatMap((account) =>
      SCALE_REGIONS.map((region) => ({ account, region, count: SCALE_PER_REGION, tag: 'scale' })),
    ),
  );
}

function sizeOf(object: PcmObject): ObjectSize {
  return {
    kind: object.kind,
    name: object.metadata.name,
    bytes: Buffer.byteLength(JSON.stringify(object)),
  };
}

async function oneRun(
  env: BenchEnv,
  variant: RuntimeVariant,
  launch: OperatorLauncher | undefined,
): Promise<ScaleRun> {
  const stage = await openStage(env, {
    name: 'scale',
    accounts: SCALE_ACCOUNTS,
    defaultRegion: SCALE_REGIONS[0]!,
    launch,
    operatorEnv: { NODE_OPTIONS: variant.nodeOptions ?? '' },
  });
  try {
    const idle = await idleMemory(stage, 2_000);
    await env.emulator.control.resetCallCounts();
    const meter = await meterFootprint(env, stage);
    const targets = SCALE_ACCOUNTS.map((account) => ({
      account,
      regions: SCALE_REGIONS,
      tag: 'scale',
    }));
    const createdAt = Date.now();
    await stage.objects.create(executionManifest('fleet-wide', targets, 'uptime'));
    const done = await waitFinished(stage, 'fleet-wide', { timeoutMs: 600_000, intervalMs: 1000 });
    const footprint = await meter.stop();
    assertSucceeded(done);
    const batches = await stage.objects.list('executionbatches');
    const sizes = [done, ...batches].map(sizeOf);
    return {
      runtime: variant.label,
      targets: Number((done.status?.counts as { total?: number } | undefined)?.total ?? 0),
      ms: runMs(done, createdAt),
      idle,
      footprint,
      largest: sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a)),
      executionBytes: sizes[0]!.bytes,
      batches: batches.length,
    };
  } finally {
    await stage.stop();
  }
}

/** One 10,020-instance run per runtime variant, on the fleet seeded by seedScaleFleet. */
export async function runScale(
  env: BenchEnv,
  variants: RuntimeVariant[],
  compiled: CompiledOperator,
): Promise<ScaleRun[]> {
  const runs: ScaleRun[] = [];
  for (const variant of variants) {
    const launch: OperatorLauncher = variant.compiled
      ? (options) => startCompiledOperator(compiled, options)
      : startOperator;
    const run = await oneRun(env, variant, launch);
    runs.push(run);
    progress(`scale (${variant.label}): ${footprintSummary(run.ms, run.footprint)}`);
  }
  return runs;
}
