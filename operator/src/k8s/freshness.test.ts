import { describe, expect, it } from 'vitest';
import { Freshness, GONE } from './freshness.js';

const KEY = 'ns/run';

describe('Freshness', () => {
  it('trusts the cache of an execution this process never wrote', () => {
    expect(new Freshness().trusts(KEY)).toBe(true);
  });

  it('distrusts the cache after a write until the watch delivers that very version', () => {
    const f = new Freshness();
    f.wrote(KEY, 'batch-1', '12');
    expect(f.trusts(KEY)).toBe(false);
    // an older event still in the pipe does not settle it
    expect(f.observed('batch-1', '11')).toBe(false);
    expect(f.trusts(KEY)).toBe(false);
    expect(f.observed('batch-1', '12')).toBe(true);
    expect(f.trusts(KEY)).toBe(true);
  });

  it('tells the echo of its own write from a change by someone else', () => {
    const f = new Freshness();
    f.wrote(KEY, 'se', '5');
    expect(f.observed('se', '5')).toBe(true);
    expect(f.observed('se', '6')).toBe(false);
  });

  it('after a conflict, trusts the cache only once a live read and the cache agree', () => {
    const f = new Freshness();
    f.conflicted(KEY, 'batch-1');
    // the cache still shows the old version the write was computed from
    expect(f.observed('batch-1', '7')).toBe(false);
    f.reconcileWithLive(KEY, new Map([['batch-1', '9']]), new Map([['batch-1', '7']]));
    expect(f.trusts(KEY)).toBe(false);
    expect(f.observed('batch-1', '9')).toBe(true);
    expect(f.trusts(KEY)).toBe(true);
  });

  it('awaits an object the live read has and the cache has not yet, and one the cache still holds after it went', () => {
    const f = new Freshness();
    f.conflicted(KEY, '(all)');
    f.reconcileWithLive(KEY, new Map([['created', '3']]), new Map([['deleted', '2']]));
    expect(f.trusts(KEY)).toBe(false);
    f.observed('created', '3');
    expect(f.trusts(KEY)).toBe(false);
    f.observed('deleted', GONE);
    expect(f.trusts(KEY)).toBe(true);
  });

  it('settles at once when the live read finds the cache already current', () => {
    const f = new Freshness();
    f.wrote(KEY, 'se', '4');
    f.reconcileWithLive(KEY, new Map([['se', '4']]), new Map([['se', '4']]));
    expect(f.trusts(KEY)).toBe(true);
    expect(f.size).toBe(0);
  });

  it('forgets everything about an execution that is gone, so memory does not grow', () => {
    const f = new Freshness();
    for (let i = 0; i < 1000; i++) f.wrote(`ns/run-${i}`, `uid-${i}`, '1');
    for (let i = 0; i < 1000; i++) f.forget(`ns/run-${i}`);
    expect(f.size).toBe(0);
  });
});
