import { describe, expect, it } from 'vitest';
import { legacyCalls, minimumSends, ratio, splitTargets } from './economy-model.js';

describe('splitTargets', () => {
  it.each<[number, number, number[]]>([
    [1, 1, [1]],
    [1, 10, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    [51, 10, [6, 5, 5, 5, 5, 5, 5, 5, 5, 5]],
    [5000, 10, Array.from({ length: 10 }, () => 500)],
    [0, 2, [0, 0]],
  ])('%i targets over %i pairs is %j', (targets, pairs, expected) => {
    expect(splitTargets(targets, pairs)).toEqual(expected);
  });

  it.each<[number, number]>([
    [-1, 1],
    [1, 0],
    [1.5, 1],
  ])('throws on %d targets over %d pairs', (targets, pairs) => {
    expect(() => splitTargets(targets, pairs)).toThrow(RangeError);
  });
});

describe('minimumSends', () => {
  it.each<[number[], number]>([
    [[1], 1],
    [[50], 1],
    [[51], 2],
    [[500], 10],
    [[5000], 100],
    [[6, 5, 5, 5, 5, 5, 5, 5, 5, 5], 10],
    [[1, 0, 0], 1],
    [[0], 0],
  ])('of %j is %d', (perPair, expected) => {
    expect(minimumSends(perPair)).toBe(expected);
  });
});

describe('legacyCalls', () => {
  it('sends once per group, polls every instance and assumes the role every 5 s', () => {
    expect(legacyCalls([500, 0, 20], 12_000)).toEqual({
      sendCommand: 2,
      getCommandInvocation: 520 * 3,
      assumeRole: 2 * 3,
      total: 2 + 1560 + 6,
      pollRounds: 3,
    });
  });

  it('polls at least once however short the run', () => {
    expect(legacyCalls([1], 800)).toMatchObject({ pollRounds: 1, total: 3 });
  });
});

describe('ratio', () => {
  it.each<[number, number, number | undefined]>([
    [11, 10, 1.1],
    [0, 0, undefined],
    [3, 0, undefined],
  ])('%d over %d is %s', (measured, minimum, expected) => {
    expect(ratio(measured, minimum)).toBe(expected);
  });
});
