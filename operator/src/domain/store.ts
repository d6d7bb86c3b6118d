/**
 * What the execution reconciler reads and writes, as ports: the Kubernetes adapter (`k8s/`) and the
 * model-based tests' in-memory store both implement them.
 */
import type { ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';

/** Cancels the commands of a deleted execution before it goes. */
export const FINALIZER = 'pcm-ops.io/cancel-commands';
/** Names the execution a batch belongs to (with its owner reference, which carries the uid). */
export const EXECUTION_LABEL = 'pcm-ops.io/execution';
/** The row of the execution's status.accounts a batch belongs to. */
export const LOCATION_LABEL = 'pcm-ops.io/location';

/**
 * An execution and its batches as one decision sees them. A store hands out nothing older than
 * what this process last wrote of any of them.
 */
export interface ExecutionSnapshot {
  execution: ScriptExecution;
  batches: ExecutionBatch[];
}

/** A write lost a race: the copy it was computed from is no longer the stored one. Re-read. */
export class ConflictError extends Error {
  constructor(readonly object: string) {
    super(`${object} changed since it was read`);
  }
}

/** Raised by a write this process may no longer make: its lease could have passed to another. */
export class NotLeaderError extends Error {}

/**
 * Every write carries the resourceVersion of the copy it was computed from and fails with a
 * ConflictError when the stored object moved on; each returns the object as stored.
 */
export interface ExecutionStore {
  read(namespace: string, name: string): Promise<ExecutionSnapshot | undefined>;
  writeStatus(se: ScriptExecution, status: object): Promise<ScriptExecution>;
  writeMetadata(se: ScriptExecution, metadata: object): Promise<ScriptExecution>;
  /**
   * Reads the execution from the API server: true while it is still at this copy's
   * resourceVersion. When it is not, the next read is a live one.
   */
  isCurrent(se: ScriptExecution): Promise<boolean>;
  /** Deletes this very execution (by uid), if it still exists. */
  deleteExecution(se: ScriptExecution): Promise<void>;
  /** Creates a batch, or returns the stored one of that name when it exists already. */
  createBatch(batch: ExecutionBatch): Promise<ExecutionBatch>;
  writeBatchStatus(batch: ExecutionBatch, status: object): Promise<ExecutionBatch>;
  /**
   * Deletes these batches (a location planned again because the fleet changed meanwhile), each
   * only while it is still the copy given: a batch someone changed since is kept (ConflictError).
   */
  deleteBatches(batches: readonly ExecutionBatch[]): Promise<void>;
}

/** The owner reference every batch carries; its uid tells batches of a re-created execution apart. */
export function ownerUid(batch: ExecutionBatch): string | undefined {
  const owners = batch.metadata.ownerReferences as { uid?: string }[] | undefined;
  return owners?.[0]?.uid;
}
