/**
 * A keyed, coalescing work queue in the manner of client-go's: a key waits at most once, a key
 * being worked on is never handed to a second worker, a key added while it is worked on runs
 * again afterwards, failures back off per key, and a handler may ask to run again later. Keys added
 * as urgent wait in a lane of their own that workers empty first, so a new piece of work does not
 * queue behind the routine polls of long-running ones.
 */
export interface WorkResult {
  /** Run the key again after this many milliseconds (a level-triggered poll). */
  requeueAfterMs?: number;
}

export type Worker = (key: string) => Promise<WorkResult | void>;

export interface QueueOptions {
  concurrency: number;
  /** First retry delay after a failure; doubles per consecutive failure of the same key. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  onError?: (key: string, error: unknown, attempt: number) => void;
  onDepth?: (depth: number) => void;
  /** Hold keys without working on them until start() (the caches are still syncing). */
  paused?: boolean;
}

export const DEFAULT_QUEUE_OPTIONS: QueueOptions = {
  concurrency: 4,
  baseBackoffMs: 500,
  maxBackoffMs: 5 * 60_000,
};

/** Delay before the `failures`-th retry: base × 2^(failures−1), capped. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly urgent: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly idleWaiters: (() => void)[] = [];
  private running = 0;
  private stopped = false;
  private paused: boolean;

  constructor(
    private readonly worker: Worker,
    private readonly options: QueueOptions = DEFAULT_QUEUE_OPTIONS,
  ) {
    this.paused = options.paused ?? false;
  }

  /** Starts the workers of a queue created paused: the keys added meanwhile are worked on now. */
  start(): void {
    this.paused = false;
    this.pump();
  }

  get started(): boolean {
    return !this.paused;
  }

  /**
   * Queues `key` now, ahead of the routine keys when `urgent`. A key already waiting is not queued
   * twice (an urgent add moves it to the urgent lane).
   */
  add(key: string, urgent = false): void {
    if (this.stopped) return;
    this.cancelTimer(key);
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) {
      if (urgent) this.promote(key);
      return;
    }
    this.queued.add(key);
    (urgent ? this.urgent : this.ready).push(key);
    this.reportDepth();
    this.pump();
  }

  private promote(key: string): void {
    const at = this.ready.indexOf(key);
    if (at < 0) return;
    this.ready.splice(at, 1);
    this.urgent.push(key);
  }

  /** Queues `key` after `delayMs`, unless it is already due sooner. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    this.cancelTimer(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Forgets a key's failure history and any pending delayed add, for example once it is deleted. */
  forget(key: string): void {
    this.failures.delete(key);
    this.cancelTimer(key);
  }

  get depth(): number {
    return this.ready.length + this.urgent.length;
  }

  /** Resolves when nothing is queued or running (delayed keys do not count). */
  async idle(): Promise<void> {
    if ((this.depth === 0 || this.paused) && this.running === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work, drops waiting and delayed keys, and waits for running work to finish. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const key of [...this.timers.keys()]) this.cancelTimer(key);
    this.ready.length = 0;
    this.urgent.length = 0;
    this.queued.clear();
    this.reportDepth();
    await this.idle();
  }

  private cancelTimer(key: string): void {
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing.timer);
    this.timers.delete(key);
  }

  private pump(): void {
    while (
      !this.stopped &&
      !this.paused &&
      this.running < this.options.concurrency &&
      this.depth > 0
    ) {
      const key = this.urgent.shift() ?? this.ready.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      this.running++;
      this.reportDepth();
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    let retryAfterMs: number | undefined;
    try {
      const result = await this.worker(key);
      this.failures.delete(key);
      retryAfterMs = result?.requeueAfterMs;
    } catch (error) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      this.options.onError?.(key, error, attempt);
      retryAfterMs = backoffDelay(attempt, this.options.baseBackoffMs, this.options.maxBackoffMs);
    }
    this.active.delete(key);
    this.running--;
    this.finish(key, retryAfterMs);
  }

  private finish(key: string, retryAfterMs: number | undefined): void {
    if (this.dirty.delete(key)) this.add(key);
    else if (retryAfterMs !== undefined) this.addAfter(key, retryAfterMs);
    this.pump();
    if (this.depth === 0 && this.running === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private reportDepth(): void {
    this.options.onDepth?.(this.depth);
  }
}
