import { describe, expect, it } from 'vitest';
import { startLeading } from './leading.js';
import { WorkQueue } from './queue.js';

function informer(): { start(): Promise<void>; synced: () => void } {
  let synced!: () => void;
  const done = new Promise<void>((resolve) => (synced = resolve));
  return { start: () => done, synced };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('startLeading', () => {
  it('starts the workers only once every informer has synced', async () => {
    const credentials = informer();
    const executions = informer();
    const worked: string[] = [];
    const queue = new WorkQueue(async (key) => void worked.push(key), {
      concurrency: 2,
      baseBackoffMs: 1,
      maxBackoffMs: 1,
      paused: true,
    });
    const leading = startLeading({
      informers: [credentials, executions],
      workers: queue,
      stillLeading: () => true,
    });
    // events of the first informer to sync arrive while the other still lists
    credentials.synced();
    queue.add('ScriptExecution/ops/run');
    await tick();
    expect(worked).toEqual([]);
    expect(queue.started).toBe(false);
    executions.synced();
    expect(await leading).toBe(true);
    await queue.idle();
    expect(worked).toEqual(['ScriptExecution/ops/run']);
  });

  it('never starts the workers of a process that lost its lease while the caches synced', async () => {
    const cache = informer();
    let leader = true;
    let started = false;
    const leading = startLeading({
      informers: [cache],
      workers: { start: () => (started = true) },
      stillLeading: () => leader,
    });
    leader = false;
    cache.synced();
    expect(await leading).toBe(false);
    expect(started).toBe(false);
  });
});
