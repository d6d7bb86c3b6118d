import { describe, expect, it } from 'vitest';
import { batchIndex, chunk, planLocation } from './plan.js';

function ids(count: number, prefix = 'i-0'): string[] {
  return Array.from({ length: count }, (_, n) => `${prefix}${n.toString(16).padStart(16, '0')}`);
}

describe('chunk', () => {
  it.each<[number, number, number[]]>([
    [0, 50, []],
    [1, 50, [1]],
    [50, 50, [50]],
    [51, 50, [50, 1]],
    [120, 50, [50, 50, 20]],
    [7, 3, [3, 3, 1]],
  ])('%i items in chunks of %i have sizes %j', (count, size, sizes) => {
    const items = Array.from({ length: count }, (_, n) => n);
    const chunks = chunk(items, size);
    expect(chunks.map((c) => c.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(items);
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])('throws on size %j', (size) => {
    expect(() => chunk([1], size)).toThrow(RangeError);
  });
});

describe('planLocation', () => {
  it.each<[number, number[]]>([
    [0, []],
    [1, [1]],
    [50, [50]],
    [51, [50, 1]],
    [120, [50, 50, 20]],
  ])('cuts %i instances into batches of %j', (count, sizes) => {
    const batches = planLocation(ids(count));
    expect(batches.map((b) => b.length)).toEqual(sizes);
    expect(batches.flat()).toEqual(ids(count));
  });

  it('gives the same plan whatever order the instances come in', () => {
    const some = ids(77);
    expect(planLocation([...some].reverse())).toEqual(planLocation(some));
  });

  it('runs an instance listed twice once', () => {
    expect(planLocation(['i-b', 'i-a', 'i-b'])).toEqual([['i-a', 'i-b']]);
  });

  it('leaves out what an earlier location of the same account and region plans', () => {
    expect(planLocation(['i-a', 'i-b', 'i-c'], new Set(['i-b']))).toEqual([['i-a', 'i-c']]);
    expect(planLocation(['i-a'], new Set(['i-a']))).toEqual([]);
  });

  it('honours a smaller batch size and refuses one SendCommand cannot take', () => {
    expect(planLocation(ids(5), new Set(), 2).map((b) => b.length)).toEqual([2, 2, 1]);
    expect(() => planLocation(ids(5), new Set(), 51)).toThrow(RangeError);
    expect(() => planLocation(ids(5), new Set(), 0)).toThrow(RangeError);
  });
});

describe('batchIndex', () => {
  it('is unique per location and chunk, in plan order', () => {
    expect(batchIndex(0, 0)).toBe(0);
    expect(batchIndex(0, 7)).toBeLessThan(batchIndex(1, 0));
    expect(batchIndex(3, 2)).toBe(300_002);
    expect(() => batchIndex(0, 100_000)).toThrow(RangeError);
  });
});
