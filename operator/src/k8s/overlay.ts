/**
 * The newest copy of each object this process knows: what the informer saw, or what a write just
 * returned, whichever is newer. A reconcile that reads its own writes through the informer alone
 * could act on a stale copy (send a batch twice); reading through this never does.
 */
export interface Versioned {
  metadata?: { uid?: string; resourceVersion?: string };
}

function version(object: Versioned | undefined): bigint {
  try {
    return BigInt(object?.metadata?.resourceVersion ?? '0');
  } catch {
    return 0n;
  }
}

export class Overlay<T extends Versioned> {
  private readonly written = new Map<string, T>();

  /** Remembers an object a write returned. */
  remember(object: T): T {
    const uid = object.metadata?.uid;
    if (uid && version(object) >= version(this.written.get(uid))) this.written.set(uid, object);
    return object;
  }

  /** The newer of the cached copy and the last written one. */
  latest(cached: T): T;
  latest(cached: T | undefined): T | undefined;
  latest(cached: T | undefined): T | undefined {
    const uid = cached?.metadata?.uid;
    if (!uid) return cached;
    const written = this.written.get(uid);
    if (!written) return cached;
    if (version(cached) >= version(written)) {
      this.written.delete(uid);
      return cached;
    }
    return written;
  }

  /** Whether this copy is exactly the one this process's last write of it returned. */
  isOwnWrite(object: Versioned): boolean {
    const uid = object.metadata?.uid;
    const written = uid ? this.written.get(uid) : undefined;
    return Boolean(written) && version(written) === version(object);
  }

  /** Written objects the cache may not have seen yet. */
  pending(): T[] {
    return [...this.written.values()];
  }

  forget(uid: string | undefined): void {
    if (uid) this.written.delete(uid);
  }
}
