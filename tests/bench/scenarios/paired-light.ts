// Paired light latency: the apply → first SendCommand time of this version of the operator beside
// that of an earlier one, taken in alternating blocks, so that whatever else loads the shared
// machine falls on both alike. The earlier version is checked out of git (`git archive`),
// compiled the same way, and runs under its own RBAC against a second control plane that serves
// its own CRDs (the schemas have changed since); both control planes and the one emulator run
// throughout, so each side's blocks share the machine with the same processes.
//
// Blocks go in ABBA order (baseline, current, current, baseline, ...), so neither side always
// runs first or last; each block is a fresh namespace with its own operator process.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from '../../infra/control-plane.js';
import {
  compileOperator,
  startCompiledOperator,
  type CompiledOperator,
} from '../compiled-operator.js';
import { onCleanup, progress, type BenchEnv } from '../env.js';
import { accountIds, seedPlacements } from '../fleet.js';
import { openStage, type StageOptions } from '../stage.js';
import { REGION, sampleSends } from './latency.js';

const run = promisify(execFile);
const repoRoot = path.join(import.meta.dirname, '..', '..', '..');
const ACCOUNT = accountIds('93', 1)[0]!;
const RBAC_PATH = path.join('charts', 'pcm-ops', 'files', 'operator-rbac.yaml');

/**
 * The operator before every write became conditional and the engine per-location: the version
 * whose light median (60 ms, published 2026-11-25) the engine is to stay within 10% of.
 */
export const BASELINE_REVISION = 'de9e288';

export type Side = 'baseline' | 'current';

export interface PairedBlock {
  side: Side;
  /** create → SendCommand, ms, one per execution */
  ms: number[];
}

export interface PairedLightResult {
  revision: string;
  samplesPerBlock: number;
  blocks: PairedBlock[];
  /** why nothing was measured (the revision is not in this clone's history) */
  skipped?: string;
}

/** Baseline first in even pairs, current first in odd ones: A B B A A B B A ... */
export function blockOrder(pairs: number): Side[] {
  const order: Side[] = [];
  for (let pair = 0; pair < pairs; pair += 1)
    order.push(
      ...(pair % 2 === 0 ? (['baseline', 'current'] as const) : (['current', 'baseline'] as const)),
    );
  return order;
}

interface Checkout {
  dir: string;
  rbacFile: string;
}

async function checkout(revision: string): Promise<Checkout> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-baseline-'));
  onCleanup(`checkout of ${revision}`, () => rm(dir, { recursive: true, force: true }));
  const archive = path.join(dir, 'src.tar');
  await run('git', ['archive', '-o', archive, revision, 'crds', 'operator', RBAC_PATH], {
    cwd: repoRoot,
  });
  await run('tar', ['-xf', archive, '-C', dir]);
  return { dir, rbacFile: path.join(dir, RBAC_PATH) };
}

/** The emulator of `env`, with a control plane of its own serving the CRDs in `dir`. */
async function planeWithCrds(env: BenchEnv, dir: string): Promise<BenchEnv> {
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => path.join(dir, f));
  const plane = await startControlPlane({ crdFiles: files });
  onCleanup('the baseline control plane', () => plane.stop());
  const admin = new KubeConfig();
  admin.loadFromFile(plane.kubeconfigPath);
  return { plane, emulator: env.emulator, admin, core: admin.makeApiClient(CoreV1Api) };
}

async function hasRevision(revision: string): Promise<boolean> {
  return run('git', ['cat-file', '-e', `${revision}^{commit}`], { cwd: repoRoot }).then(
    () => true,
    () => false,
  );
}

export async function runPairedLight(
  env: BenchEnv,
  options: {
    current: CompiledOperator;
    revision?: string;
    pairs: number;
    samplesPerBlock: number;
    heapLimit: string;
  },
): Promise<PairedLightResult> {
  const revision = options.revision ?? BASELINE_REVISION;
  const { samplesPerBlock } = options;
  if (!(await hasRevision(revision)))
    return {
      revision,
      samplesPerBlock,
      blocks: [],
      skipped: `revision ${revision} is not in this clone's history (a shallow clone?)`,
    };
  const source = await checkout(revision);
  const baseline = await compileOperator(source.dir);
  onCleanup(`the compiled operator of ${revision}`, () => baseline.remove());
  const baselineEnv = await planeWithCrds(env, path.join(source.dir, 'crds', 'generated'));
  const control = env.emulator.control;
  await control.reset();
  await control.setLifecycle({ pendingSeconds: 0.1, runningSeconds: 0.2 });
  const [seeded] = await seedPlacements(env.emulator.endpoint, [
    { account: ACCOUNT, region: REGION, count: 20, tag: 'paired' },
  ]);
  const blocks: PairedBlock[] = [];
  for (const [n, side] of blockOrder(options.pairs).entries()) {
    const compiled = side === 'baseline' ? baseline : options.current;
    const stageOptions: StageOptions = {
      name: `paired-${n}-${side === 'baseline' ? 'a' : 'b'}`,
      accounts: [ACCOUNT],
      defaultRegion: REGION,
      launch: (o) => startCompiledOperator(compiled, o),
      operatorEnv: { NODE_OPTIONS: options.heapLimit },
      ...(side === 'baseline' ? { rbac: { file: source.rbacFile, suffix: revision } } : {}),
    };
    const sideEnv = side === 'baseline' ? baselineEnv : env;
    const stage = await openStage(sideEnv, stageOptions);
    try {
      const samples = await sampleSends(sideEnv, stage, {
        mode: `paired-${n}`,
        samples: samplesPerBlock,
        account: ACCOUNT,
        instanceIds: seeded!.instanceIds,
      });
      blocks.push({ side, ms: samples.map((s) => s.ms) });
    } finally {
      await stage.stop();
    }
    progress(`paired light latency: block ${n + 1} (${side}) done`);
  }
  return { revision, samplesPerBlock, blocks };
}
