// The scale, memory and many-executions sections of the report.
import { totalCalls } from './aws-calls.js';
import { count, duration, fixed, kib, mib, table, verdict } from './format.js';
import type { ModuleFootprint } from './memory-baseline.js';
import type { ConcurrentResult } from './scenarios/concurrent.js';
import type { ScaleRun } from './scenarios/scale.js';

export const RSS_BAR_BYTES = 256 * 2 ** 20;
export const OBJECT_BAR_BYTES = 256 * 1024;

function scaleRow(run: ScaleRun): string[] {
  const { peak } = run.footprint.memory;
  return [
    run.runtime,
    count(run.targets),
    duration(run.ms),
    mib(run.idle.rss),
    `**${mib(peak.rss)}**`,
    `${mib(peak.heapUsed)} / ${mib(peak.heapTotal)}`,
    mib(peak.external),
    `${fixed(run.footprint.cpuSeconds, 1)} s`,
    count(run.footprint.apiRequests),
    `${kib(run.largest.bytes)} (${run.largest.kind})`,
    String(run.batches),
  ];
}

function baselineRows(baseline: ModuleFootprint[]): string[][] {
  return baseline.map((b) => [b.loaded, mib(b.rss), mib(b.heapUsed)]);
}

function rssCauses(runs: ScaleRun[], baseline: ModuleFootprint[]): string {
  const shipped = runs[0];
  const uncapped = runs.find((r) => r.runtime.startsWith('compiled, no heap limit'));
  const tsx = runs.find((r) => r.runtime.startsWith('tsx'));
  const sdk = baseline.find((b) => b.loaded.includes('AWS SDK'));
  const node = baseline[0];
  const lines: string[] = [];
  if (shipped && uncapped)
    lines.push(
      `- **Heap headroom, not live data.** Without a heap limit the compiled operator peaked at ` +
        `${mib(uncapped.footprint.memory.peak.rss)} with ${mib(uncapped.footprint.memory.peak.heapUsed)} ` +
        `of heap in use; with \`${shipped.runtime.replace('compiled, ', '')}\` the same run ` +
        `peaked at ${mib(shipped.footprint.memory.peak.rss)} and took ${duration(shipped.ms)} ` +
        `(no limit: ${duration(uncapped.ms)}). V8 grows its heap well ahead of what it needs ` +
        'until told otherwise; what a 10,000-instance run keeps live fits in a much smaller heap, ' +
        'which is why the image should set the limit (`NODE_OPTIONS`).',
    );
  if (sdk && node)
    lines.push(
      `- **What the process loads.** Node.js alone is ${mib(node.rss)}; loading the AWS SDK v3 ` +
        `clients takes it to ${mib(sdk.rss)} though only ${mib(sdk.heapUsed)} of heap stays ` +
        'live: parsing and compiling their large bundles (the EC2 client, of which the operator ' +
        'uses DescribeInstances alone, is the largest) grows the heap and the process keeps ' +
        'the pages. client-node and the rest add the remainder of the idle figure.',
    );
  if (tsx && uncapped)
    lines.push(
      `- **tsx.** Run through the tsx loader (as the tests and \`npm run operator\` run it) the ` +
        `idle operator holds ${mib(tsx.idle.rss)}; compiled, ${mib(uncapped.idle.rss)}. The ` +
        `loader, its compiler and its source maps cost about ` +
        `${mib(tsx.idle.rss - uncapped.idle.rss)} before any work; no container runs it that way.`,
    );
  return lines.join('\n');
}

export function scaleSection(runs: ScaleRun[], baseline: ModuleFootprint[]): string {
  const header = [
    'operator runtime',
    'targets',
    'create → complete',
    'idle RSS',
    'peak RSS',
    'heap used / total at peak',
    'external at peak',
    'CPU',
    'API requests',
    'largest object',
    'batches',
  ];
  return [
    '## Scale: 10,020 instances in 20 accounts × 3 regions',
    '',
    'One execution over 167 instances in each of 60 account+regions, each run on a fresh ' +
      'operator (a new namespace, credentials Ready first). RSS and heap come from the ' +
      'operator’s own metrics (`pcm_ops_process_resident_memory_bytes`, ' +
      '`pcm_ops_nodejs_heap_size_*`) sampled every 500 ms, idle RSS 2 s after the credentials ' +
      'were Ready; CPU is the `pcm_ops_process_cpu_seconds_total` delta; API requests are the ' +
      'kube-apiserver’s `apiserver_request_total` delta minus the benchmark’s own requests ' +
      '(they include the operator’s lease renewals); the largest object is the JSON size of the ' +
      'execution and its ExecutionBatch objects as read back. The first row is the operator as ' +
      'its container image runs it: compiled to JavaScript, plain `node`, with the V8 heap limit ' +
      'recommended for the image; the same run is repeated without the limit. (Through tsx, as ' +
      'the tests run it, the operator loads more before any work: see the last line of the ' +
      'table of what the process loads.)',
    '',
    table(header, runs.map(scaleRow)),
    '',
    `Bars: operator RSS under ${mib(RSS_BAR_BYTES)}; status under ${OBJECT_BAR_BYTES / 1024} KiB.`,
    '',
    'What the process is made of before any work (fresh processes that only load modules, ' +
      'measured after a full garbage collection):',
    '',
    table(['loaded', 'RSS', 'live heap'], baselineRows(baseline)),
    '',
    'What the RSS is made of:',
    '',
    rssCauses(runs, baseline),
  ].join('\n');
}

export function concurrentSection(result: ConcurrentResult, context: { runtime: string }): string {
  const { runtime } = context;
  const perExecution = (n: number): string => fixed(n / result.executions, 1);
  const calls = Object.entries(result.calls)
    .sort()
    .map(([op, n]) => `${op} ${perExecution(n)}`)
    .join(', ');
  const { peak } = result.footprint.memory;
  return [
    '## 1,000 concurrent small executions',
    '',
    `${count(result.executions)} executions of one instance each, spread over the scale ` +
      'fleet’s 60 account+regions and created by 8 concurrent clients, on a fresh operator ' +
      `(${runtime}). The time runs from the first create to the last \`completionTime\`.`,
    '',
    table(
      [
        'executions',
        'all created',
        'first complete',
        'all complete',
        'per execution p50 (p10–p90)',
        'peak RSS',
        'heap used / total at peak',
        'CPU',
        'API requests per execution',
        'AWS calls per execution',
      ],
      [
        [
          count(result.executions),
          duration(result.createMs),
          duration(result.firstCompleteMs),
          duration(result.ms),
          `${duration(result.perExecution.median)} (${duration(result.perExecution.p10)}–${duration(result.perExecution.p90)})`,
          `**${mib(peak.rss)}**`,
          `${mib(peak.heapUsed)} / ${mib(peak.heapTotal)}`,
          `${fixed(result.footprint.cpuSeconds, 1)} s`,
          perExecution(result.footprint.apiRequests),
          `${perExecution(totalCalls(result.calls))} (${calls})`,
        ],
      ],
    ),
    '',
    'API requests by kind over the whole run (the benchmark’s own creates and list polls ' +
      'included): ' +
      result.footprint.apiByKind.map(([kind, n]) => `\`${kind}\` ${count(n)}`).join(', ') +
      '.',
    '',
    concurrentFindings(result, runtime),
  ].join('\n');
}

function concurrentFindings(result: ConcurrentResult, runtime: string): string {
  const lines = [
    `- **Throughput.** About ${fixed(result.executions / (result.ms / 1000), 1)} executions ` +
      `per second end to end, with the operator using ${fixed(result.footprint.cpuSeconds / (result.ms / 1000), 2)} ` +
      'cores on average; every execution costs the same dozen-odd API server writes (above), ' +
      'and the API server and etcd share the same 2 cores.',
  ];
  if (result.perExecution.median > result.ms / 2)
    lines.push(
      `- **Waiting their turn.** An execution took ${duration(result.perExecution.median)} ` +
        `from its create to its completion at the median (p10 ${duration(result.perExecution.p10)}), ` +
        `of a ${duration(result.ms)} run, though each needs a few seconds of work. The operator ` +
        'takes a new execution from plan to first send in one reconcile, and new executions wait ' +
        'in a lane of the work queue that its workers empty before the polls of running ones; ' +
        `under a backlog of ${count(result.executions)} the sends therefore come first and the ` +
        'polls that finish the runs wait for them, each poll round for all running executions.',
    );
  const { peak } = result.footprint.memory;
  lines.push(
    `- **Memory.** Peak RSS ${mib(peak.rss)} (${verdict(peak.rss < RSS_BAR_BYTES)} against the ` +
      `${mib(RSS_BAR_BYTES)} bar) with ${mib(peak.heapUsed)} of heap used at the peak, garbage ` +
      `not yet collected included, under the same heap limit as the scale run (${runtime}).`,
  );
  return lines.join('\n');
}
