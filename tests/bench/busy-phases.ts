// Which phase of the busy load a latency sample overlapped, and percentiles by phase: pure.
import { percentile } from './stats.js';

/** A busy execution's phases in epoch ms: resolving and planning, then dispatching. */
export interface BusyWindow {
  createdAt: number;
  firstSend: number;
  lastSend: number;
}

export const BUSY_PHASES = ['resolving and planning', 'dispatching', 'tracking'] as const;
export type BusyPhase = (typeof BUSY_PHASES)[number];

function overlaps(span: { from: number; to: number }, from: number, to: number): boolean {
  return span.from < to && from < span.to;
}

/** The heaviest phase of the busy load that the span [from, to] overlapped. */
export function busyPhaseOf(span: { from: number; to: number }, windows: BusyWindow[]): BusyPhase {
  if (windows.some((w) => overlaps(span, w.createdAt, w.firstSend)))
    return 'resolving and planning';
  if (windows.some((w) => overlaps(span, w.firstSend, w.lastSend))) return 'dispatching';
  return 'tracking';
}

export interface PhaseLatency {
  phase: BusyPhase;
  samples: number;
  p50: number;
  p99: number;
}

/** Latency percentiles of the samples grouped by the busy phase they overlapped. */
export function latencyByPhase(
  samples: { at: number; ms: number }[],
  windows: BusyWindow[],
): PhaseLatency[] {
  return BUSY_PHASES.map((phase) => {
    const values = samples
      .filter((s) => busyPhaseOf({ from: s.at, to: s.at + s.ms }, windows) === phase)
      .map((s) => s.ms);
    return values.length === 0
      ? { phase, samples: 0, p50: Number.NaN, p99: Number.NaN }
      : { phase, samples: values.length, p50: percentile(values, 50), p99: percentile(values, 99) };
  });
}
