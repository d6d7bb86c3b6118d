import type { LocationProblem } from '../../domain/execution-status.js';

interface Entry {
  until: number;
  failures: number;
  problem: LocationProblem;
  at: number;
}

/** Entries older than this belong to executions gone without a word; they are dropped. */
const STALE_MS = 60 * 60_000;

/**
 * Per location of an execution: calls that keep failing there wait, from `min` doubling to `max`,
 * while the other locations go on. The problem stays shown on the location's row until a call
 * there succeeds. In memory only: a restarted operator simply tries once more.
 */
export class LocationBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly delays: { min: number; max: number }) {}

  /** Records a failure; true when it starts a streak (worth a Warning Event). */
  fail(uid: string, location: number, problem: LocationProblem, now: number): boolean {
    const key = `${uid}/${location}`;
    const failures = (this.entries.get(key)?.failures ?? 0) + 1;
    const delay = Math.min(this.delays.max, this.delays.min * 2 ** Math.min(failures - 1, 20));
    this.entries.set(key, { until: now + delay, failures, problem, at: now });
    this.prune(now);
    return failures === 1;
  }

  clear(uid: string, location: number): void {
    this.entries.delete(`${uid}/${location}`);
  }

  waiting(uid: string, location: number, now: number): boolean {
    return (this.entries.get(`${uid}/${location}`)?.until ?? 0) > now;
  }

  /** The problems of an execution's locations, by location. */
  problems(uid: string): Map<number, LocationProblem> {
    const found = new Map<number, LocationProblem>();
    for (const [key, entry] of this.entries) {
      const [owner, location] = key.split('/');
      if (owner === uid) found.set(Number(location), entry.problem);
    }
    return found;
  }

  /** Milliseconds until the first location of the execution may be tried again, if any waits. */
  nextRetryIn(uid: string, now: number): number | undefined {
    let next: number | undefined;
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(`${uid}/`) || entry.until <= now) continue;
      next = Math.min(next ?? Infinity, entry.until - now);
    }
    return next;
  }

  forget(uid: string): void {
    for (const key of [...this.entries.keys()])
      if (key.startsWith(`${uid}/`)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries)
      if (now - entry.at > STALE_MS) this.entries.delete(key);
  }
}
