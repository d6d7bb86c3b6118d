import type { ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';
import {
  ConflictError,
  EXECUTION_LABEL,
  ownerUid,
  type ExecutionSnapshot,
  type ExecutionStore,
} from '../domain/store.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { Freshness, GONE } from './freshness.js';
import type { Preconditions } from './resources.js';

/** What the store needs of an informer's cache. */
export interface CachedObjects<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

/** What the store needs of the API server (`Resources` in the operator, a fake in tests). */
export interface ObjectApi<T> {
  get(namespace: string, name: string): Promise<T | undefined>;
  listLabelled(namespace: string, labelSelector: string): Promise<T[]>;
  create(namespace: string, body: T): Promise<T>;
  patch(namespace: string, name: string, body: object): Promise<T>;
  patchStatus(namespace: string, name: string, body: object): Promise<T>;
  delete(namespace: string, name: string, preconditions?: Preconditions): Promise<void>;
}

export interface StoreParts<T> {
  cache: CachedObjects<T>;
  api: ObjectApi<T>;
}

type Versioned = { metadata: { uid?: string; resourceVersion?: string } };

function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

/**
 * The cache shows this very version of the object already: its watch event came in before the
 * write's answer (the informer updates its cache before it calls the handlers), or the write
 * changed nothing. There is no echo left to await.
 */
function cacheShows<T extends Versioned>(
  cache: CachedObjects<T>,
  stored: Versioned & { metadata: { name?: string; namespace?: string } },
): boolean {
  const cached = cache.get(stored.metadata.name ?? '', stored.metadata.namespace);
  return (
    cached?.metadata.uid === stored.metadata.uid &&
    cached?.metadata.resourceVersion === stored.metadata.resourceVersion
  );
}

function versions(objects: readonly Versioned[]): Map<string, string> {
  return new Map(objects.map((o) => [o.metadata.uid ?? '', o.metadata.resourceVersion ?? '']));
}

/** Forces the next read of an execution to go to the API server. */
const WHOLE_EXECUTION = '(all)';

/**
 * Executions and their batches, read from the informer caches while those hold at least what
 * this process last wrote, and from the API server otherwise. Every write is conditional on the
 * resourceVersion of the copy it was computed from; a write that loses a race raises a
 * ConflictError and makes the next read a live one.
 */
export class KubeExecutionStore implements ExecutionStore {
  readonly freshness = new Freshness();

  constructor(
    private readonly executions: StoreParts<ScriptExecution>,
    private readonly batches: StoreParts<ExecutionBatch>,
    /** Throws when this process may no longer write (a leader that could not renew its lease). */
    private readonly guard: () => void = () => undefined,
  ) {}

  /** A watch event: true when it only echoes this process's own write. */
  observed(object: Versioned, deleted: boolean): boolean {
    const uid = object.metadata.uid ?? '';
    return this.freshness.observed(uid, deleted ? GONE : (object.metadata.resourceVersion ?? ''));
  }

  /** The execution is gone: nothing about it needs remembering. */
  forget(namespace: string, name: string): void {
    this.freshness.forget(keyOf(namespace, name));
  }

  async read(namespace: string, name: string): Promise<ExecutionSnapshot | undefined> {
    const key = keyOf(namespace, name);
    if (!this.freshness.trusts(key)) return this.readLive(key, namespace, name);
    const execution = this.executions.cache.get(name, namespace);
    if (!execution) return undefined;
    return { execution, batches: this.cachedBatches(namespace, name, execution.metadata.uid) };
  }

  private cachedBatches(
    namespace: string,
    name: string,
    uid: string | undefined,
  ): ExecutionBatch[] {
    return this.batches.cache
      .list(namespace)
      .filter((b) => b.metadata.labels?.[EXECUTION_LABEL] === name && ownerUid(b) === uid);
  }

  private async readLive(
    key: string,
    namespace: string,
    name: string,
  ): Promise<ExecutionSnapshot | undefined> {
    const [execution, labelled] = await Promise.all([
      this.executions.api.get(namespace, name),
      this.batches.api.listLabelled(namespace, `${EXECUTION_LABEL}=${name}`),
    ]);
    const uid = execution?.metadata.uid;
    const batches = labelled.filter((b) => uid !== undefined && ownerUid(b) === uid);
    const cachedExecution = this.executions.cache.get(name, namespace);
    const cached = [
      ...(cachedExecution ? [cachedExecution] : []),
      ...this.cachedBatches(namespace, name, uid),
    ];
    const live = [...(execution ? [execution] : []), ...batches];
    this.freshness.reconcileWithLive(key, versions(live), versions(cached));
    return execution ? { execution, batches } : undefined;
  }

  async writeStatus(se: ScriptExecution, status: object): Promise<ScriptExecution> {
    const { namespace, name, resourceVersion } = se.metadata;
    return this.written(keyOf(namespace, name), se, this.executions.cache, () =>
      this.executions.api.patchStatus(namespace!, name!, { metadata: { resourceVersion }, status }),
    );
  }

  async writeMetadata(se: ScriptExecution, metadata: object): Promise<ScriptExecution> {
    const { namespace, name, resourceVersion } = se.metadata;
    return this.written(keyOf(namespace, name), se, this.executions.cache, () =>
      this.executions.api.patch(namespace!, name!, { metadata: { ...metadata, resourceVersion } }),
    );
  }

  async isCurrent(se: ScriptExecution): Promise<boolean> {
    const { namespace, name, uid, resourceVersion } = se.metadata;
    const live = await this.executions.api.get(namespace!, name!);
    if (live?.metadata.resourceVersion === resourceVersion) return true;
    this.freshness.conflicted(keyOf(namespace, name), uid ?? WHOLE_EXECUTION);
    return false;
  }

  async deleteExecution(se: ScriptExecution): Promise<void> {
    this.guard();
    const { namespace, name, uid } = se.metadata;
    try {
      await this.executions.api.delete(namespace!, name!, { uid });
    } catch (error) {
      // gone already, or a new execution took the name: either way this one is gone
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  async createBatch(batch: ExecutionBatch): Promise<ExecutionBatch> {
    this.guard();
    const { namespace, name } = batch.metadata;
    const key = keyOf(namespace, batch.spec.executionName);
    try {
      const created = await this.batches.api.create(namespace!, batch);
      if (!cacheShows(this.batches.cache, created))
        this.freshness.wrote(key, created.metadata.uid!, created.metadata.resourceVersion!);
      return created;
    } catch (error) {
      // a create that failed or went unanswered may have landed all the same
      this.freshness.conflicted(key, WHOLE_EXECUTION);
      if (!isAlreadyExists(error)) throw error;
      const stored = await this.batches.api.get(namespace!, name!);
      if (!stored) throw new ConflictError(`ExecutionBatch ${namespace}/${name}`);
      return stored;
    }
  }

  async writeBatchStatus(batch: ExecutionBatch, status: object): Promise<ExecutionBatch> {
    const { namespace, name, resourceVersion } = batch.metadata;
    return this.written(keyOf(namespace, batch.spec.executionName), batch, this.batches.cache, () =>
      this.batches.api.patchStatus(namespace!, name!, { metadata: { resourceVersion }, status }),
    );
  }

  async deleteBatches(batches: readonly ExecutionBatch[]): Promise<void> {
    for (const batch of batches) {
      const { namespace, name, uid, resourceVersion } = batch.metadata;
      const key = keyOf(namespace, batch.spec.executionName);
      this.guard();
      try {
        await this.batches.api.delete(namespace!, name!, { uid, resourceVersion });
        if (this.batches.cache.get(name!, namespace)?.metadata.uid === uid)
          this.freshness.deleted(key, uid!);
      } catch (error) {
        this.freshness.conflicted(key, uid ?? WHOLE_EXECUTION);
        if (isNotFound(error)) continue;
        if (isConflict(error)) throw new ConflictError(`ExecutionBatch ${namespace}/${name}`);
        throw error;
      }
    }
  }

  /** Runs a conditional write and records what the cache must now catch up with. */
  private async written<T extends Versioned & { metadata: { name?: string; namespace?: string } }>(
    key: string,
    before: T & { kind?: string },
    cache: CachedObjects<T>,
    write: () => Promise<T>,
  ): Promise<T> {
    this.guard();
    try {
      const stored = await write();
      if (!cacheShows(cache, stored))
        this.freshness.wrote(key, stored.metadata.uid!, stored.metadata.resourceVersion!);
      return stored;
    } catch (error) {
      // refused, failed or unanswered: the write may have landed, so the caches cannot be trusted
      this.freshness.conflicted(key, before.metadata.uid ?? WHOLE_EXECUTION);
      if (!isConflict(error) && !isNotFound(error)) throw error;
      throw new ConflictError(
        `${before.kind ?? 'object'} ${key.split('/')[0]}/${before.metadata.name}`,
      );
    }
  }
}
