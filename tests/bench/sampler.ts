// The operator's own figures from its /metrics: memory sampled every 500 ms while a scenario runs
// (peak RSS and the heap at that moment), CPU seconds as a before/after delta, and poll counts.
import type { BenchOperator } from './stage.js';

export const RSS = 'pcm_ops_process_resident_memory_bytes';
export const CPU = 'pcm_ops_process_cpu_seconds_total';
export const POLLS = 'pcm_ops_command_polls_total';
const HEAP_USED = 'pcm_ops_nodejs_heap_size_used_bytes';
const HEAP_TOTAL = 'pcm_ops_nodejs_heap_size_total_bytes';
const EXTERNAL = 'pcm_ops_nodejs_external_memory_bytes';

export interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface MemoryProfile {
  samples: number;
  /** the sample with the highest RSS */
  peak: MemorySample;
  /** the first sample, before the work began */
  start: MemorySample;
}

/** A metric's value summed over its label sets that have `labels`; NaN when there is none. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = Number.NaN;
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    if (!wanted.every((label) => line.includes(label))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    total = Number.isNaN(total) ? value : total + value;
  }
  return total;
}

export function memoryOf(text: string): MemorySample {
  return {
    rss: metricValue(text, RSS),
    heapUsed: metricValue(text, HEAP_USED),
    heapTotal: metricValue(text, HEAP_TOTAL),
    external: metricValue(text, EXTERNAL),
  };
}

export interface MemorySampler {
  stop(): Promise<MemoryProfile>;
}

/** Samples the operator's memory every `intervalMs` until stopped. */
export async function sampleMemory(
  operator: BenchOperator,
  intervalMs = 500,
): Promise<MemorySampler> {
  const start = memoryOf(await operator.metrics());
  let peak = start;
  let samples = 1;
  const take = async (): Promise<void> => {
    const sample = memoryOf(await operator.metrics());
    samples += 1;
    if (sample.rss > peak.rss) peak = sample;
  };
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(take).catch(() => undefined);
  }, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await pending;
      await take().catch(() => undefined);
      return { samples, peak, start };
    },
  };
}
