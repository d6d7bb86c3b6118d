import { describe, expect, it } from 'vitest';
import { busyPhaseOf, latencyByPhase, type BusyWindow } from './busy-phases.js';

// one busy execution created at 1,000, first send at 3,000, last send at 4,000
const WINDOWS: BusyWindow[] = [{ createdAt: 1_000, firstSend: 3_000, lastSend: 4_000 }];

describe('busyPhaseOf', () => {
  it.each<[number, number, string]>([
    [0, 500, 'tracking'],
    [900, 1_100, 'resolving and planning'],
    [2_900, 3_100, 'resolving and planning'],
    [3_100, 3_200, 'dispatching'],
    [3_900, 4_100, 'dispatching'],
    [4_100, 4_300, 'tracking'],
  ])('a sample from %d to %d overlaps %s', (from, to, phase) => {
    expect(busyPhaseOf({ from, to }, WINDOWS)).toBe(phase);
  });
});

describe('latencyByPhase', () => {
  it('groups samples by phase and gives every phase a row', () => {
    const rows = latencyByPhase(
      [
        { at: 1_500, ms: 400 },
        { at: 2_000, ms: 200 },
        { at: 5_000, ms: 100 },
      ],
      WINDOWS,
    );
    expect(rows.map((r) => [r.phase, r.samples, r.p50])).toEqual([
      ['resolving and planning', 2, 300],
      ['dispatching', 0, Number.NaN],
      ['tracking', 1, 100],
    ]);
  });
});
