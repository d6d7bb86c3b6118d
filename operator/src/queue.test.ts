import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue, backoffDelay, type QueueOptions } from './queue.js';

const options: QueueOptions = { concurrency: 2, baseBackoffMs: 100, maxBackoffMs: 1_000 };

afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it.each([
    [0, 0],
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1_000],
    [60, 1_000],
  ])('failure %i waits %i ms', (failures, expected) => {
    expect(backoffDelay(failures, 100, 1_000)).toBe(expected);
  });
});

describe('WorkQueue', () => {
  it('coalesces a key added many times while it waits', async () => {
    const seen: string[] = [];
    const queue = new WorkQueue(
      async (key) => {
        seen.push(key);
      },
      { ...options, concurrency: 1 },
    );
    queue.add('a');
    queue.add('b');
    queue.add('b');
    queue.add('b');
    await queue.idle();
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs one key on two workers, and reruns a key changed while it ran', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new WorkQueue(async () => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      runs++;
      if (runs === 1) await gate;
      concurrent--;
    }, options);
    queue.add('a');
    await Promise.resolve();
    queue.add('a');
    queue.add('a');
    release();
    await queue.idle();
    expect(maxConcurrent).toBe(1);
    expect(runs).toBe(2);
  });

  it('hands urgent keys to the next free worker ahead of routine ones, in their own order', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new WorkQueue(
      async (key) => {
        seen.push(key);
        if (key === 'busy') await gate;
      },
      { ...options, concurrency: 1 },
    );
    queue.add('busy');
    queue.add('poll-1');
    queue.add('poll-2');
    queue.add('new-1', true);
    queue.add('poll-2', true);
    queue.add('new-2', true);
    expect(queue.depth).toBe(4);
    release();
    await queue.idle();
    expect(seen).toEqual(['busy', 'new-1', 'poll-2', 'new-2', 'poll-1']);
  });

  it('runs different keys in parallel up to the concurrency', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const queue = new WorkQueue(async () => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((resolve) => setTimeout(resolve, 5));
      concurrent--;
    }, options);
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await queue.idle();
    expect(maxConcurrent).toBe(2);
  });

  it('retries a failing key with growing delays and reports each failure', async () => {
    vi.useFakeTimers();
    const attempts: number[] = [];
    const times: number[] = [];
    const start = Date.now();
    const queue = new WorkQueue(
      async () => {
        times.push(Date.now() - start);
        if (times.length < 4) throw new Error('transient');
      },
      { ...options, onError: (_key, _error, attempt) => attempts.push(attempt) },
    );
    queue.add('a');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(times).toEqual([0, 100, 300, 700]);
  });

  it('honours a requeue-after and keeps the earliest of two delays', async () => {
    vi.useFakeTimers();
    const runs: number[] = [];
    const start = Date.now();
    const queue = new WorkQueue(async () => {
      runs.push(Date.now() - start);
      return runs.length === 1 ? { requeueAfterMs: 500 } : undefined;
    }, options);
    queue.add('a');
    await vi.advanceTimersByTimeAsync(10);
    queue.addAfter('a', 100);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toEqual([0, 110]);
  });

  it('drops waiting work on shutdown and takes no more', async () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const queue = new WorkQueue(async (key) => {
      seen.push(key);
    }, options);
    queue.addAfter('later', 100);
    await queue.shutdown();
    queue.add('after-shutdown');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual([]);
  });
});
