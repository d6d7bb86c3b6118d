import { describe, expect, it } from 'vitest';
import { mayAcquire } from './leader.js';

const observedAt = 1_000_000;
const held = (holder: string | undefined) => ({
  holder,
  renewTime: '2026-01-01T00:00:00.000000Z',
  leaseDurationSeconds: 15,
  observedAt,
});

describe('mayAcquire', () => {
  it.each([
    ['no lease yet', undefined, 'a', observedAt, true],
    ['a released lease', held(undefined), 'a', observedAt, true],
    ['our own lease', held('a'), 'a', observedAt + 60_000, true],
    ['another holder, renewed just now', held('b'), 'a', observedAt + 1_000, false],
    ['another holder, at the edge of its duration', held('b'), 'a', observedAt + 15_000, false],
    [
      'another holder, not renewed for longer than its duration',
      held('b'),
      'a',
      observedAt + 15_001,
      true,
    ],
  ] as const)('%s → %s', (...[, observation, identity, now, expected]) => {
    expect(mayAcquire(observation, identity, now)).toBe(expected);
  });
});
