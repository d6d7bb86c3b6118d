// `npm run bench`: starts a local control plane, the AWS emulator and the operator, runs every
// scenario, stops everything it started, and writes docs/benchmarks.md and docs/benchmarks.svg.
//
//   npx tsx --conditions=source tests/bench/run.ts [--quick] [--out=<dir>]
//
// --quick takes fewer samples (for trying the benchmark out, not for publishing); --out writes the
// report somewhere other than docs/. Every run also keeps its raw results in
// <tmpdir>/pcm-ops-bench-results.json; --from=<that file> writes the report again from them
// without measuring anything.
//
// Layout: scenarios/ holds one module per scenario; env.ts, stage.ts and fleet.ts set up the world
// (control plane and emulator, a namespace with an operator and credentials, seeded instances);
// footprint.ts, sampler.ts, load.ts, apiserver.ts and aws-calls.ts measure; stats.ts,
// economy-model.ts and busy-phases.ts are the pure arithmetic (with tests beside them); report*.ts
// and chart.ts format.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chartSvg } from './chart.js';
import {
  compileOperator,
  startCompiledOperator,
  type CompiledOperator,
} from './compiled-operator.js';
import { onCleanup, progress, startBenchEnv, stopAllStarted, type BenchEnv } from './env.js';
import { describeMachine } from './machine.js';
import { moduleFootprints } from './memory-baseline.js';
import { chartInput, renderReport } from './report.js';
import type { BenchResults } from './results.js';
import { runConcurrent } from './scenarios/concurrent.js';
import { runConsole } from './scenarios/console.js';
import { ECONOMY_LIFECYCLE, fleetOf, runEconomy } from './scenarios/economy.js';
import { runFloor } from './scenarios/floor.js';
import { GAP_MS, runLatency } from './scenarios/latency.js';
import { BASELINE_REVISION, runPairedLight } from './scenarios/paired-light.js';
import { runScale, seedScaleFleet, type RuntimeVariant } from './scenarios/scale.js';
import { runSoak } from './scenarios/soak.js';
import { useOperatorRuntime } from './stage.js';

const repoRoot = path.join(import.meta.dirname, '..', '..');
const COMMAND = 'npx tsx --conditions=source tests/bench/run.ts';
/**
 * The V8 heap limit recommended for the operator's container (NODE_OPTIONS): every scenario runs
 * the compiled operator with it, as the image runs it.
 */
export const HEAP_LIMIT = '--max-old-space-size=128';

interface Settings {
  latencySamples: number;
  /** pairs of blocks (baseline, this version) of the paired light latency, and samples per block */
  paired: { pairs: number; samplesPerBlock: number };
  repetitions: number;
  concurrent: number;
  soak: number;
  consoleRequests: number;
  consoleChanges: number;
  outDir: string;
  args: string[];
}

function settings(argv: string[]): Settings {
  const quick = argv.includes('--quick');
  const out = argv.find((a) => a.startsWith('--out='))?.slice('--out='.length);
  return {
    latencySamples: quick ? 30 : 200,
    paired: quick ? { pairs: 1, samplesPerBlock: 15 } : { pairs: 4, samplesPerBlock: 25 },
    repetitions: quick ? 1 : 3,
    concurrent: quick ? 200 : 1000,
    soak: quick ? 1000 : 10_000,
    consoleRequests: quick ? 5 : 20,
    consoleChanges: quick ? 6 : 24,
    outDir: out ? path.resolve(out) : path.join(repoRoot, 'docs'),
    args: argv.filter((a) => a === '--quick'),
  };
}

const VARIANTS: RuntimeVariant[] = [
  { label: `compiled, ${HEAP_LIMIT}`, compiled: true, nodeOptions: HEAP_LIMIT },
  { label: 'compiled, no heap limit', compiled: true },
];

/** Compiles the operator once; every scenario's operator runs compiled, with the heap limit. */
async function compiledRuntime(): Promise<CompiledOperator> {
  progress('compiling the operator');
  const compiled = await compileOperator();
  onCleanup('the compiled operator', () => compiled.remove());
  useOperatorRuntime((options) => startCompiledOperator(compiled, options), {
    NODE_OPTIONS: HEAP_LIMIT,
  });
  return compiled;
}

async function scaleScenarios(
  env: BenchEnv,
  compiled: CompiledOperator,
  count: number,
): Promise<Pick<BenchResults, 'scale' | 'baseline' | 'concurrent'>> {
  progress('scale: seeding 10,020 instances in 20 accounts × 3 regions');
  await env.emulator.control.reset();
  await env.emulator.control.setLifecycle(ECONOMY_LIFECYCLE);
  const fleet = await seedScaleFleet(env);
  progress('memory: loading modules in fresh processes');
  const baseline = await moduleFootprints(compiled.manager);
  const scale = await runScale(env, VARIANTS, compiled);
  progress(`${count} concurrent executions`);
  const concurrent = await runConcurrent(env, fleet, { count });
  return { scale, baseline, concurrent };
}

async function measure(
  env: BenchEnv,
  run: Settings,
): Promise<Omit<BenchResults, 'durationSeconds' | 'date' | 'command' | 'loadAverage'>> {
  const machine = await describeMachine(env);
  const compiled = await compiledRuntime();
  progress(`latency: ${run.latencySamples} executions with a light operator, then with a busy one`);
  const latency = await runLatency(env, run.latencySamples);
  progress(`paired light latency: this version and ${BASELINE_REVISION} in turns`);
  const pairedLight = await runPairedLight(env, {
    current: compiled,
    heapLimit: HEAP_LIMIT,
    ...run.paired,
  });
  progress('economy: seeding the fleets');
  const economy = await runEconomy(env, run.repetitions);
  const shapes = [1, 10].map((pairs) => ({ pairs, groups: fleetOf(economy, 5000, pairs) }));
  const direct = await runFloor(env, shapes, run.repetitions);
  const floor = shapes.map(({ pairs }) => ({ pairs, direct: direct.get(pairs) ?? [] }));
  const scaled = await scaleScenarios(env, compiled, run.concurrent);
  progress(`soak: ${run.soak} executions created, finished and deleted`);
  const soak = await runSoak(env, { count: run.soak });
  const console = await runConsole(env, {
    requests: run.consoleRequests,
    changes: run.consoleChanges,
  });
  return { machine, latency, pairedLight, economy, floor, ...scaled, soak, console };
}

async function writeReport(results: BenchResults, run: Settings): Promise<void> {
  await mkdir(run.outDir, { recursive: true });
  const chartFile = 'benchmarks.svg';
  await writeFile(path.join(run.outDir, chartFile), chartSvg(chartInput(results)));
  const report = renderReport(results, {
    chartFile,
    latencyGapMs: GAP_MS,
    economyRepetitions: run.repetitions,
    concurrentRuntime: `compiled, with ${HEAP_LIMIT}`,
    operatorRuntime: `compiled to JavaScript under plain \`node\` with \`NODE_OPTIONS=${HEAP_LIMIT}\`, as recommended for its image, unless a table says otherwise`,
  });
  await writeFile(path.join(run.outDir, 'benchmarks.md'), report);
  progress(
    `wrote ${path.relative(repoRoot, path.join(run.outDir, 'benchmarks.md'))} and ${chartFile}`,
  );
}

const RESULTS_FILE = path.join(os.tmpdir(), 'pcm-ops-bench-results.json');

async function main(): Promise<void> {
  const run = settings(process.argv.slice(2));
  const from = process.argv.find((a) => a.startsWith('--from='))?.slice('--from='.length);
  if (from) {
    const saved = JSON.parse(await readFile(from, 'utf8')) as BenchResults;
    return writeReport(saved, run);
  }
  const began = Date.now();
  const loadAverage: number[] = [os.loadavg()[0]!];
  const sampler = setInterval(() => loadAverage.push(os.loadavg()[0]!), 10_000);
  sampler.unref();
  const date = new Date(began).toISOString();
  const interrupted = (signal: string): void => {
    process.stderr.write(`\n${signal}: stopping everything the benchmark started…\n`);
    void stopAllStarted().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupted('SIGINT'));
  process.once('SIGTERM', () => interrupted('SIGTERM'));
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`benchmark failed: ${String(reason)}\n`);
    void stopAllStarted().finally(() => process.exit(1));
  });
  progress('starting the local control plane and the AWS emulator');
  let measured: Awaited<ReturnType<typeof measure>>;
  try {
    measured = await measure(await startBenchEnv(), run);
  } finally {
    progress('stopping everything the benchmark started');
    await stopAllStarted();
  }
  const command = [COMMAND, ...run.args].join(' ');
  const durationSeconds = (Date.now() - began) / 1000;
  clearInterval(sampler);
  const results: BenchResults = { ...measured, command, date, durationSeconds, loadAverage };
  await writeFile(RESULTS_FILE, JSON.stringify(results));
  progress(`raw results kept in ${RESULTS_FILE}`);
  await writeReport(results, run);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
