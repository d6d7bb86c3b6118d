import type { KubernetesObject } from '@kubernetes/client-node';
import type { ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';
import { EXECUTION_LABEL, PLAN_LABEL, type ExecutionStore } from '../reconcilers/execution/deps.js';
import { isConflict, isNotFound } from './errors.js';
import type { ResilientInformer } from './informer.js';
import { Overlay } from './overlay.js';
import type { Resources } from './resources.js';

/**
 * Executions and batches read from the informers, overlaid with this process's own writes so a
 * reconcile never acts on a copy older than what it wrote itself.
 */
export class KubeExecutionStore implements ExecutionStore {
  private readonly seOverlay = new Overlay<ScriptExecution>();
  private readonly batchOverlay = new Overlay<ExecutionBatch>();

  constructor(
    private readonly executions: {
      informer: ResilientInformer<KubernetesObject>;
      resources: Resources<ScriptExecution>;
    },
    private readonly batchesOf: {
      informer: ResilientInformer<KubernetesObject>;
      resources: Resources<ExecutionBatch>;
    },
  ) {}

  /**
   * A watch event that only reports this process's own last write: the reconcile that wrote it
   * already acted on it, so it needs no further reconcile.
   */
  isOwnExecutionWrite(se: ScriptExecution): boolean {
    return this.seOverlay.isOwnWrite(se);
  }

  /** The same for a batch. */
  isOwnBatchWrite(batch: ExecutionBatch): boolean {
    return this.batchOverlay.isOwnWrite(batch);
  }

  execution(namespace: string, name: string): ScriptExecution | undefined {
    const cached = this.executions.informer.get(name, namespace) as unknown as
      ScriptExecution | undefined;
    return this.seOverlay.latest(cached);
  }

  /** The batches of the execution's current plan, including ones the informer has not seen yet. */
  batches(namespace: string, executionName: string, planGeneration: number): ExecutionBatch[] {
    const cached = this.batchesOf.informer.list(namespace) as unknown as ExecutionBatch[];
    const byUid = new Map<string, ExecutionBatch>();
    for (const batch of [...this.batchOverlay.pending(), ...cached]) {
      const labels = batch.metadata.labels ?? {};
      if (batch.metadata.namespace !== namespace) continue;
      if (
        labels[EXECUTION_LABEL] !== executionName ||
        labels[PLAN_LABEL] !== String(planGeneration)
      )
        continue;
      byUid.set(batch.metadata.uid!, this.batchOverlay.latest(batch));
    }
    return [...byUid.values()];
  }

  async patchExecutionStatus(se: ScriptExecution, status: object): Promise<ScriptExecution> {
    const written = await this.executions.resources.patchStatus(
      se.metadata.namespace!,
      se.metadata.name!,
      status,
    );
    return this.seOverlay.remember(written);
  }

  async patchExecution(se: ScriptExecution, body: object): Promise<ScriptExecution> {
    const written = await this.executions.resources.patch(
      se.metadata.namespace!,
      se.metadata.name!,
      body,
    );
    return this.seOverlay.remember(written);
  }

  async deleteExecution(se: ScriptExecution): Promise<void> {
    await this.executions.resources
      .delete(se.metadata.namespace!, se.metadata.name!)
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }

  /** Creates a batch; one without a status phase is planned and waits to be sent. */
  async createBatch(batch: ExecutionBatch): Promise<ExecutionBatch> {
    try {
      const created = await this.batchesOf.resources.create(batch.metadata.namespace!, batch);
      return this.batchOverlay.remember(created);
    } catch (error) {
      if (!isConflict(error)) throw error;
      return batch;
    }
  }

  async patchBatchStatus(batch: ExecutionBatch, status: object): Promise<ExecutionBatch> {
    const written = await this.batchesOf.resources.patchStatus(
      batch.metadata.namespace!,
      batch.metadata.name!,
      status,
    );
    return this.batchOverlay.remember(written);
  }

  /** Deletes every batch of the execution; no request at all when this process knows of none. */
  async deleteBatches(se: ScriptExecution): Promise<void> {
    const ours = (batch: ExecutionBatch): boolean =>
      batch.metadata.namespace === se.metadata.namespace &&
      batch.metadata.labels?.[EXECUTION_LABEL] === se.metadata.name;
    const cached = this.batchesOf.informer.list(
      se.metadata.namespace,
    ) as unknown as ExecutionBatch[];
    const pending = this.batchOverlay.pending().filter(ours);
    if (!pending.length && !cached.some(ours)) return;
    for (const batch of pending) this.batchOverlay.forget(batch.metadata.uid);
    await this.batchesOf.resources.deleteCollection(
      se.metadata.namespace!,
      `${EXECUTION_LABEL}=${se.metadata.name}`,
    );
  }
}
