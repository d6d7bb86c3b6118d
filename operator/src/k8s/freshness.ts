/**
 * Which executions the informer caches cannot be trusted for yet. After this process writes an
 * object, its cache is behind until the watch delivers that very version; after a write lost a
 * race, the cache is behind until a live read and the cache agree. Until then a reconcile reads
 * the execution and its batches from the API server itself, so no decision is taken on a copy
 * older than this process's own last write (client-go's controllers keep "expectations" for the
 * same reason).
 *
 * resourceVersions are compared for equality only: Kubernetes documents them as opaque, so
 * nothing here assumes they are numbers or that a larger one is newer.
 */

/** The cache must first show the object gone. */
export const GONE = '(gone)';
/** The cache is behind by an unknown amount: only a live read settles it. */
const UNKNOWN = '(unknown)';

export class Freshness {
  /** Per execution key: object uid → the version the cache must show before it is trusted. */
  private readonly awaited = new Map<string, Map<string, string>>();
  /** uid → execution key, so a watch event finds its entry. */
  private readonly keys = new Map<string, string>();

  /** This process wrote `uid` at `resourceVersion`. */
  wrote(key: string, uid: string, resourceVersion: string): void {
    this.await(key, uid, resourceVersion);
  }

  /** This process deleted `uid`. */
  deleted(key: string, uid: string): void {
    this.await(key, uid, GONE);
  }

  /** A write of `uid` was refused as stale: the cache is behind by an unknown amount. */
  conflicted(key: string, uid: string): void {
    this.await(key, uid, UNKNOWN);
  }

  /**
   * The watch delivered `uid` at `resourceVersion` (or GONE). True when it is the echo of this
   * process's own write, which needs no reconcile of its own.
   */
  observed(uid: string, resourceVersion: string): boolean {
    const key = this.keys.get(uid);
    const entries = key === undefined ? undefined : this.awaited.get(key);
    if (key === undefined || entries?.get(uid) !== resourceVersion) return false;
    this.settle(key, uid);
    return true;
  }

  /** Nothing of this execution is awaited: its cached copies are at least as new as our writes. */
  trusts(key: string): boolean {
    return !this.awaited.has(key);
  }

  /**
   * After a live read: an object whose cached version equals the live one is settled; any other
   * (awaited or not) now awaits the live version, so the cache is trusted once it catches up.
   */
  reconcileWithLive(
    key: string,
    live: ReadonlyMap<string, string>,
    cached: ReadonlyMap<string, string>,
  ): void {
    const uids = new Set([
      ...live.keys(),
      ...cached.keys(),
      ...(this.awaited.get(key)?.keys() ?? []),
    ]);
    for (const uid of uids) {
      const liveVersion = live.get(uid) ?? GONE;
      if (liveVersion === (cached.get(uid) ?? GONE)) this.settle(key, uid);
      else this.await(key, uid, liveVersion);
    }
  }

  /** Drops everything about an execution that is gone. */
  forget(key: string): void {
    for (const uid of this.awaited.get(key)?.keys() ?? []) this.keys.delete(uid);
    this.awaited.delete(key);
  }

  /** Objects awaited across all executions (for a test of bounded memory). */
  get size(): number {
    return this.keys.size;
  }

  private await(key: string, uid: string, version: string): void {
    let entries = this.awaited.get(key);
    if (!entries) this.awaited.set(key, (entries = new Map()));
    entries.set(uid, version);
    this.keys.set(uid, key);
  }

  private settle(key: string, uid: string): void {
    const entries = this.awaited.get(key);
    entries?.delete(uid);
    if (entries?.size === 0) this.awaited.delete(key);
    this.keys.delete(uid);
  }
}
