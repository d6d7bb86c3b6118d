import type { Footprint } from './footprint.js';

const MIB = 2 ** 20;

export function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(0)} MiB`;
}

/** One progress line: duration, peak RSS, CPU and API requests. */
export function footprintSummary(ms: number, footprint: Footprint): string {
  return `${(ms / 1000).toFixed(1)} s, peak RSS ${mib(footprint.memory.peak.rss)}, CPU ${footprint.cpuSeconds.toFixed(1)} s, ${footprint.apiRequests} API requests`;
}
