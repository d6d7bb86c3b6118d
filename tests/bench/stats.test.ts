import { describe, expect, it } from 'vitest';
import { median, percentile, spread, sum } from './stats.js';

describe('percentile', () => {
  it.each<[number[], number, number]>([
    [[7], 0, 7],
    [[7], 99, 7],
    [[1, 2, 3, 4, 5], 50, 3],
    [[5, 1, 4, 2, 3], 50, 3],
    [[1, 2, 3, 4], 50, 2.5],
    [[1, 2, 3, 4, 5], 0, 1],
    [[1, 2, 3, 4, 5], 100, 5],
    [[1, 2, 3, 4, 5], 90, 4.6],
    [[10, 20], 25, 12.5],
    [Array.from({ length: 101 }, (_, i) => i), 99, 99],
    [Array.from({ length: 200 }, (_, i) => i + 1), 99, 198.01],
  ])('of %j at p%d is %d', (values, p, expected) => {
    expect(percentile(values, p)).toBeCloseTo(expected, 9);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it.each([[-1], [101], [Number.NaN]])('throws on p = %d', (p) => {
    expect(() => percentile([1], p)).toThrow(RangeError);
  });

  it('throws on an empty sample', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});

describe('median', () => {
  it.each<[number[], number]>([
    [[4], 4],
    [[4, 1], 2.5],
    [[9, 1, 5], 5],
  ])('of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('spread', () => {
  it('gives count, min, p10, median, p90 and max', () => {
    const values = Array.from({ length: 11 }, (_, i) => 10 - i);
    expect(spread(values)).toEqual({ count: 11, min: 0, p10: 1, median: 5, p90: 9, max: 10 });
  });
});

describe('sum', () => {
  it.each<[number[], number]>([
    [[], 0],
    [[1, 2, 3], 6],
  ])('of %j is %d', (values, expected) => {
    expect(sum(values)).toBe(expected);
  });
});
