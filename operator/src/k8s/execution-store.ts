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

  async createBatch(batch: ExecutionBatch): Promise<ExecutionBatch> {
    try {
      const created = await this.batchesOf.resources.create(batch.metadata.namespace!, batch);
      const withStatus = await this.batchesOf.resources.patchStatus(
        created.metadata.namespace!,
        created.metadata.name!,
        {
          phase: 'Planned',
        },
      );
      return this.batchOverlay.remember(withStatus);
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

  async deleteBatches(se: ScriptExecution): Promise<void> {
    for (const batch of this.batchOverlay.pending()) {
      if (batch.metadata.labels?.[EXECUTION_LABEL] === se.metadata.name)
        this.batchOverlay.forget(batch.metadata.uid);
    }
    await this.batchesOf.resources.deleteCollection(
      se.metadata.namespace!,
      `${EXECUTION_LABEL}=${se.metadata.name}`,
    );
  }
}
