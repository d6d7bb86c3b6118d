// Compares the light apply → first SendCommand latency of two versions of the operator under the
// same conditions (scenarios/paired-light.ts): both compiled, run in alternating blocks against one
// control plane and emulator, so that the load other work puts on the machine falls on both alike.
//
//   npx tsx --conditions=source tests/bench/compare-light.ts [git revision] [pairs] [samples per block]
//
// The revision (by default the one `npm run bench` compares against) is checked out with
// `git archive` into a temporary directory; the working tree is the other side. Prints p50/p90/p99
// of each side and their ratio; writes nothing.
import { compileOperator } from './compiled-operator.js';
import { onCleanup, progress, startBenchEnv, stopAllStarted } from './env.js';
import { pairedSummary } from './report-latency.js';
import { BASELINE_REVISION, runPairedLight } from './scenarios/paired-light.js';

const HEAP_LIMIT = '--max-old-space-size=128';

async function main(): Promise<void> {
  const [revision = BASELINE_REVISION, pairs = '2', perBlock = '25'] = process.argv.slice(2);
  const env = await startBenchEnv();
  try {
    const current = await compileOperator();
    onCleanup('the compiled operator', () => current.remove());
    const result = await runPairedLight(env, {
      current,
      revision,
      pairs: Number(pairs),
      samplesPerBlock: Number(perBlock),
      heapLimit: HEAP_LIMIT,
    });
    if (result.skipped) throw new Error(result.skipped);
    for (const line of pairedSummary(result)) progress(line);
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
