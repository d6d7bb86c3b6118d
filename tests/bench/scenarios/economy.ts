// API economy: the AWS calls one execution makes, by operation, for N targets over 1 or 10
// account+region pairs, against the fewest calls the work needs. The same runs give the
// operator's side of the floor scenario (5,000 targets).
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { assumeAccount, ec2Client } from '../../support/aws.js';
import { progress, type BenchEnv } from '../env.js';
import { callsByOperation, sendWindow, type CallsByOperation } from '../aws-calls.js';
import { ECONOMY_SIZES, economyCases, type EconomyCase } from '../economy-model.js';
import { accountIds, seedPlacements, type SeededGroup } from '../fleet.js';
import { executionManifest, runMs } from '../kube.js';
import { POLLS } from '../sampler.js';
import { openStage, type Stage } from '../stage.js';
import { assertSucceeded, waitFinished } from '../wait.js';

// Each one-pair case has an account of its own: the emulator's DescribeInstances with a tag filter
// slows down with every instance in the region (about 17 s at 5,600), which would otherwise
// charge the 5,000-target case's fleet to the single-target one.
const ONE_PAIR_ACCOUNTS = accountIds('93', ECONOMY_SIZES.length);
const TEN_PAIR_ACCOUNTS = accountIds('94', 5);
const TEN_PAIRS = TEN_PAIR_ACCOUNTS.flatMap((account) =>
  ['us-east-1', 'eu-west-1'].map((region) => ({ account, region })),
);
export const ECONOMY_LIFECYCLE = { pendingSeconds: 0.5, runningSeconds: 1.5 };

export interface EconomyRun {
  calls: CallsByOperation;
  /** batch × round polls the operator counted (pcm_ops_command_polls_total delta) */
  polls: number;
  /** create → status.completionTime */
  ms: number;
  /** create → first SendCommand at the emulator: resolving and planning */
  firstSendMs: number;
  /** create → last SendCommand */
  lastSendMs: number;
}

export interface EconomyResult {
  cases: (EconomyCase & { runs: EconomyRun[] })[];
  /** one DescribeInstances with the tag filter in one pair of the 5,000-over-10 fleet */
  describeProbe: { instances: number; ms: number };
  lifecycle: { pendingSeconds: number; runningSeconds: number };
  /** what the floor scenario needs to reach the same instances */
  fleet: SeededGroup[];
}

function tagOf(c: { targets: number; pairs: number }): string {
  return `n${c.targets}p${c.pairs}`;
}

function pairsFor(c: { targets: number; pairs: number }): { account: string; region: string }[] {
  if (c.pairs !== 1) return TEN_PAIRS;
  return [{ account: ONE_PAIR_ACCOUNTS[ECONOMY_SIZES.indexOf(c.targets)]!, region: 'us-east-1' }];
}

async function seedEconomy(env: BenchEnv, cases: EconomyCase[]): Promise<SeededGroup[]> {
  const placements = cases.flatMap((c) =>
    pairsFor(c).map((pair, i) => ({ ...pair, count: c.perPair[i]!, tag: tagOf(c) })),
  );
  return seedPlacements(env.emulator.endpoint, placements);
}

async function runCase(
  env: BenchEnv,
  stage: Stage,
  c: EconomyCase,
  repetition: number,
): Promise<EconomyRun> {
  const accounts = [...new Set(pairsFor(c).map((p) => p.account))];
  const regions = [...new Set(pairsFor(c).map((p) => p.region))];
  const name = `${tagOf(c)}-r${repetition}`;
  const targets = accounts.map((account) => ({ account, regions, tag: tagOf(c) }));
  await env.emulator.control.resetCallCounts();
  const pollsBefore = await stage.operator.metric(POLLS);
  const createdAt = Date.now();
  const created = await stage.objects.create(executionManifest(name, targets, 'echo economy'));
  const done = await waitFinished(stage, name, { timeoutMs: 300_000, intervalMs: 100 });
  assertSucceeded(done);
  const polls = (await stage.operator.metric(POLLS)) - pollsBefore;
  const calls = await callsByOperation(env.emulator.control);
  const sends = await sendWindow(env.emulator.control, String(created.metadata.uid));
  return {
    calls,
    polls,
    ms: runMs(done, createdAt),
    firstSendMs: sends.first - createdAt,
    lastSendMs: sends.last - createdAt,
  };
}

/** The 5,000-target cases take most of the time; they run at most twice. */
export function repetitionsOf(c: EconomyCase, repetitions: number): number {
  return c.targets >= 5000 ? Math.min(2, repetitions) : repetitions;
}

async function probeDescribe(
  env: BenchEnv,
  group: SeededGroup,
): Promise<{ instances: number; ms: number }> {
  const credentials = await assumeAccount(env.emulator.endpoint, group.account);
  const ec2 = ec2Client(env.emulator.endpoint, { region: group.region, credentials });
  const began = performance.now();
  const { Reservations } = await ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Bench', Values: [group.tag] }] }),
  );
  const ms = performance.now() - began;
  ec2.destroy();
  return { instances: (Reservations ?? []).flatMap((r) => r.Instances ?? []).length, ms };
}

export async function runEconomy(env: BenchEnv, repetitions: number): Promise<EconomyResult> {
  const control = env.emulator.control;
  await control.reset();
  const lifecycle = await control.setLifecycle(ECONOMY_LIFECYCLE);
  const cases = economyCases();
  const fleet = await seedEconomy(env, cases);
  progress(`economy: seeded ${fleet.reduce((n, g) => n + g.count, 0)} instances`);
  const stage = await openStage(env, {
    name: 'economy',
    accounts: [...ONE_PAIR_ACCOUNTS, ...TEN_PAIR_ACCOUNTS],
    defaultRegion: 'us-east-1',
  });
  try {
    const results = cases.map((c) => ({ ...c, runs: [] as EconomyRun[] }));
    for (let repetition = 1; repetition <= repetitions; repetition += 1) {
      for (const c of results.filter((r) => repetition <= repetitionsOf(r, repetitions))) {
        const run = await runCase(env, stage, c, repetition);
        c.runs.push(run);
        progress(
          `economy ${repetition}/${repetitions}: N=${c.targets} over ${c.pairs} pair(s) in ${(run.ms / 1000).toFixed(1)} s, ${run.calls.SendCommand ?? 0} sends, ${run.calls.ListCommandInvocations ?? 0} invocation pages`,
        );
      }
    }
    const describeProbe = await probeDescribe(env, fleetOf({ fleet }, 5000, 10)[0]!);
    return { cases: results, lifecycle, fleet, describeProbe };
  } finally {
    await stage.stop();
  }
}

/** The seeded groups a case's executions target, for the floor scenario's direct script. */
export function fleetOf(
  result: Pick<EconomyResult, 'fleet'>,
  targets: number,
  pairs: number,
): SeededGroup[] {
  return result.fleet.filter((g) => g.tag === tagOf({ targets, pairs }));
}
