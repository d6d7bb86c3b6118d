// Memory over a long life: 10,000 small executions created, run to their end and deleted (by their
// own ttlSecondsAfterFinished: 0, through the operator), at most IN_FLIGHT at a time. The
// operator's RSS and heap are read once the first wave has warmed it up and again after the last
// execution is gone: nothing it keeps per execution may outlive the execution.
import { setTimeout as sleep } from 'node:timers/promises';
import { progress, type BenchEnv } from '../env.js';
import { accountIds, seedPlacements } from '../fleet.js';
import { executionManifest } from '../kube.js';
import { memoryOf, sampleMemory, type MemorySample } from '../sampler.js';
import { openStage, type OperatorLauncher, type Stage } from '../stage.js';

const IN_FLIGHT = 100;
/** Executions after which the start reading is taken: modules loaded, caches and pools warm. */
const WARM_UP = 500;
const REGION = 'eu-west-1';

export interface SoakResult {
  executions: number;
  ms: number;
  /** at rest, once the first WARM_UP executions have come and gone */
  start: MemorySample;
  /** at rest, once the last execution is gone */
  end: MemorySample;
  /** the highest RSS in between */
  peak: MemorySample;
  /** RSS (MiB) after every thousand executions created */
  rssMiB: number[];
}

async function settled(stage: Stage): Promise<MemorySample> {
  // let the deletions' watch events land and the collector run, as an idle operator would
  await sleep(15_000);
  return memoryOf(await stage.operator.metrics());
}

async function remaining(stage: Stage): Promise<number> {
  return (await stage.objects.list('scriptexecutions')).length;
}

/**
 * Creates `count` executions (numbered from `first`) so that at most IN_FLIGHT exist at once, and
 * waits until the operator has deleted them all; `each` hears of every thousandth.
 */
async function churn(
  stage: Stage,
  range: { first: number; count: number },
  target: { account: string; instanceIds: string[] },
  each: (created: number) => Promise<void>,
): Promise<void> {
  const end = range.first + range.count;
  for (let created = range.first; created < end;) {
    stage.assertOperatorAlive();
    const room = IN_FLIGHT - (await remaining(stage));
    for (let i = 0; i < room && created < end; i++, created++) {
      const instanceId = target.instanceIds[created % target.instanceIds.length]!;
      const manifest = executionManifest(
        `soak-${created}`,
        [{ account: target.account, regions: [REGION], instanceIds: [instanceId] }],
        'echo soak',
      );
      await stage.objects.create({
        ...manifest,
        spec: { ...manifest.spec, ttlSecondsAfterFinished: 0 },
      });
      if ((created + 1) % 1000 === 0) await each(created + 1);
    }
    await sleep(200);
  }
  while ((await remaining(stage)) > 0) await sleep(500);
}

export async function runSoak(
  env: BenchEnv,
  options: { count: number; launch?: OperatorLauncher },
): Promise<SoakResult> {
  const [account] = accountIds('95', 1);
  const [group] = await seedPlacements(env.emulator.endpoint, [
    { account: account!, region: REGION, count: 20, tag: 'soak' },
  ]);
  const target = { account: account!, instanceIds: group!.instanceIds };
  const stage = await openStage(env, {
    name: 'soak',
    accounts: [account!],
    defaultRegion: REGION,
    launch: options.launch,
  });
  try {
    const rssMiB: number[] = [];
    const reading = async (created: number): Promise<void> => {
      const rss = Math.round(memoryOf(await stage.operator.metrics()).rss / 2 ** 20);
      rssMiB.push(rss);
      progress(`soak: ${created} executions created, RSS ${rss} MiB`);
    };
    const began = Date.now();
    await churn(stage, { first: 0, count: WARM_UP }, target, reading);
    const start = await settled(stage);
    const sampler = await sampleMemory(stage.operator, 1_000);
    await churn(stage, { first: WARM_UP, count: options.count - WARM_UP }, target, reading);
    const ms = Date.now() - began;
    const profile = await sampler.stop();
    const end = await settled(stage);
    return { executions: options.count, ms, start, end, peak: profile.peak, rssMiB };
  } finally {
    await stage.stop();
  }
}
