import { describe, expect, it } from 'vitest';
import {
  absoluteCount,
  errorBudgetLeft,
  exceeded,
  nextSendAllowed,
  type RateKind,
} from './rate.js';

describe('absoluteCount', () => {
  it.each<[number | string | undefined, number, RateKind, number | undefined]>([
    [undefined, 100, 'concurrency', undefined],
    [undefined, 100, 'errors', undefined],
    [10, 1000, 'concurrency', 10],
    ['10', 1000, 'concurrency', 10],
    [0, 1000, 'errors', 0],
    ['0', 1000, 'errors', 0],
    ['10%', 50, 'errors', 5],
    ['10%', 50, 'concurrency', 5],
    ['10%', 55, 'concurrency', 5],
    ['10%', 59, 'errors', 5],
    ['10%', 5, 'errors', 0],
    ['10%', 5, 'concurrency', 1],
    ['1%', 10_000, 'concurrency', 100],
    ['33%', 10, 'concurrency', 3],
    ['100%', 120, 'concurrency', 120],
    ['100%', 0, 'concurrency', 1],
    ['0%', 200, 'errors', 0],
    ['50%', 0, 'errors', 0],
    [5000, 10, 'concurrency', 5000],
  ])('%j of %i targets for %s is %j', (value, total, kind, expected) => {
    expect(absoluteCount(value, total, kind)).toBe(expected);
  });

  it.each<[number | string]>([['ten'], ['-1'], [-1], [1.5], ['101%'], ['10 %'], ['%'], ['']])(
    'throws on %j, which the API schema rejects',
    (value) => {
      expect(() => absoluteCount(value, 100, 'errors')).toThrow(RangeError);
    },
  );
});

describe('errorBudgetLeft and exceeded', () => {
  it.each<[number | undefined, number, number | undefined, boolean]>([
    [undefined, 0, undefined, false],
    [undefined, 9999, undefined, false],
    [0, 0, 0, false],
    [0, 1, 0, true],
    [3, 0, 3, false],
    [3, 2, 1, false],
    [3, 3, 0, false],
    [3, 4, 0, true],
    [5, 6, 0, true],
    [5, 40, 0, true],
  ])('maxErrors %j after %i errors: %j left, exceeded %j', (maxErrors, errors, left, over) => {
    expect(errorBudgetLeft(maxErrors, errors)).toBe(left);
    expect(exceeded(maxErrors, errors)).toBe(over);
  });
});

describe('nextSendAllowed', () => {
  it.each<[number | undefined, number, number, boolean]>([
    [undefined, 0, 50, true],
    [undefined, 10_000, 50, true],
    [100, 0, 50, true],
    [100, 50, 50, true],
    [100, 51, 50, false],
    [100, 100, 1, false],
    [10, 0, 50, true],
    [10, 1, 50, false],
    [1, 0, 1, true],
    [1, 1, 1, false],
    [60, 10, 50, true],
  ])('limit %j with %i in flight, batch of %i: %j', (maxConcurrency, inFlight, batchSize, ok) => {
    expect(nextSendAllowed({ maxConcurrency, inFlight, batchSize })).toBe(ok);
  });
});
