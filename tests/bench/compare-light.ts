// Compares the light apply → first SendCommand latency of two versions of the operator under the
// same conditions: both compiled, run in alternating blocks against one control plane and emulator,
// so that the load other work puts on the machine falls on both alike.
//
//   npx tsx --conditions=source tests/bench/compare-light.ts <git revision> [samples per block]
//
// The revision is checked out with `git archive` into a temporary directory; the working tree is
// the other side. Prints p50/p90/p99 of each side; writes nothing.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { executionUidOf } from './aws-calls.js';
import { compileOperator, startCompiledOperator } from './compiled-operator.js';
import { onCleanup, progress, startBenchEnv, stopAllStarted, type BenchEnv } from './env.js';
import { accountIds, seedPlacements } from './fleet.js';
import { executionManifest } from './kube.js';
import { openStage, useOperatorRuntime } from './stage.js';
import { percentile } from './stats.js';

const run = promisify(execFile);
const repoRoot = path.join(import.meta.dirname, '..', '..');
const ACCOUNT = accountIds('93', 1)[0]!;
const REGION = 'us-east-1';
const HEAP_LIMIT = '--max-old-space-size=128';

async function checkout(revision: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-compare-'));
  onCleanup(`checkout of ${revision}`, () => rm(dir, { recursive: true, force: true }));
  const archive = path.join(dir, 'src.tar');
  await run('git', ['archive', '-o', archive, revision, 'crds', 'operator'], { cwd: repoRoot });
  await run('tar', ['-xf', archive, '-C', dir]);
  return dir;
}

async function block(
  env: BenchEnv,
  label: string,
  samples: number,
  instanceIds: string[],
): Promise<number[]> {
  const control = env.emulator.control;
  const stage = await openStage(env, {
    name: `cmp-${label}`,
    accounts: [ACCOUNT],
    defaultRegion: REGION,
  });
  try {
    const createdAt = new Map<string, number>();
    let sent = await control.callCount({
      service: 'ssm',
      operation: 'SendCommand',
      account: ACCOUNT,
    });
    for (let i = 0; i < samples; i += 1) {
      const manifest = executionManifest(
        `cmp-${label}-${i}`,
        [
          {
            account: ACCOUNT,
            regions: [REGION],
            instanceIds: [instanceIds[i % instanceIds.length]!],
          },
        ],
        'echo compare',
      );
      const at = Date.now();
      const created = await stage.objects.create(manifest);
      createdAt.set(String(created.metadata.uid), at);
      const deadline = Date.now() + 30_000;
      while (
        (await control.callCount({ service: 'ssm', operation: 'SendCommand', account: ACCOUNT })) <=
        sent
      ) {
        if (Date.now() > deadline) throw new Error(`${label}: no SendCommand within 30 s`);
        await sleep(20);
      }
      sent += 1;
      await sleep(50);
    }
    const ms: number[] = [];
    for (const command of await control.sentCommands({ account: ACCOUNT })) {
      const at = createdAt.get(executionUidOf(command.comment) ?? '');
      if (at !== undefined) ms.push(Date.parse(command.requestedAt) - at);
    }
    return ms;
  } finally {
    await stage.stop();
  }
}

function summary(values: number[]): string {
  const p = (q: number): string => `${Math.round(percentile(values, q))} ms`;
  return `${values.length} samples: p50 ${p(50)}, p90 ${p(90)}, p99 ${p(99)}`;
}

async function main(): Promise<void> {
  const [revision, perBlock = '50'] = process.argv.slice(2);
  if (!revision) throw new Error('usage: compare-light.ts <git revision> [samples per block]');
  const samples = Number(perBlock);
  const env = await startBenchEnv();
  try {
    const before = await compileOperator(await checkout(revision));
    const after = await compileOperator();
    onCleanup('compiled operators', async () => {
      await before.remove();
      await after.remove();
    });
    await env.emulator.control.setLifecycle({ pendingSeconds: 0.1, runningSeconds: 0.2 });
    const [seeded] = await seedPlacements(env.emulator.endpoint, [
      { account: ACCOUNT, region: REGION, count: 20, tag: 'compare' },
    ]);
    const results: Record<string, number[]> = { [revision]: [], 'working tree': [] };
    for (let round = 0; round < 2; round += 1) {
      for (const [label, compiled] of [
        [revision, before],
        ['working tree', after],
      ] as const) {
        useOperatorRuntime((options) => startCompiledOperator(compiled, options), {
          NODE_OPTIONS: HEAP_LIMIT,
        });
        const ms = await block(
          env,
          `${round}-${label === revision ? 'a' : 'b'}`,
          samples,
          seeded!.instanceIds,
        );
        results[label]!.push(...ms);
        progress(`${label}, round ${round + 1}: ${summary(ms)}`);
      }
    }
    for (const [label, values] of Object.entries(results)) progress(`${label}: ${summary(values)}`);
  } finally {
    await stopAllStarted();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
