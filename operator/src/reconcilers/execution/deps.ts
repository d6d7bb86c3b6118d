import type { V1Secret } from '@kubernetes/client-node';
import type { CloudCredential, ExecutionBatch, Script, ScriptExecution } from '@pcm-ops/crds';
import type { EventRecorder } from '../../k8s/events.js';
import type { Logger } from '../../log.js';
import type { SessionCache } from '../../providers/aws/sessions.js';
import type { ExecutionProvider } from '../../providers/types.js';

/** Reads and writes of executions and their batches, freshest copy first. */
export interface ExecutionStore {
  execution(namespace: string, name: string): ScriptExecution | undefined;
  batches(namespace: string, executionName: string, planGeneration: number): ExecutionBatch[];
  patchExecutionStatus(se: ScriptExecution, status: object): Promise<ScriptExecution>;
  patchExecution(se: ScriptExecution, body: object): Promise<ScriptExecution>;
  deleteExecution(se: ScriptExecution): Promise<void>;
  createBatch(batch: ExecutionBatch): Promise<ExecutionBatch>;
  patchBatchStatus(batch: ExecutionBatch, status: object): Promise<ExecutionBatch>;
  deleteBatches(se: ScriptExecution): Promise<void>;
}

export interface Lookups {
  script(namespace: string, name: string): Script | undefined;
  credential(namespace: string, name: string): CloudCredential | undefined;
  secret(namespace: string, name: string): V1Secret | undefined;
}

export interface ExecutionDeps {
  store: ExecutionStore;
  lookups: Lookups;
  sessions: SessionCache;
  provider: ExecutionProvider;
  events: EventRecorder;
  log: Logger;
  now: () => Date;
  /** Poll interval bounds while commands run: fast after a change, slower when nothing moves. */
  pollMs: { min: number; max: number };
  /** How many AWS calls one reconcile makes at once (sends, polls). */
  parallelism: number;
  /** Counts one poll of one command, for the API-economy figures. */
  countPoll?: () => void;
}

export const FINALIZER = 'pcm-ops.io/cancel-commands';
export const EXECUTION_LABEL = 'pcm-ops.io/execution';
/** The spec generation a batch was planned for; batches of older plans are ignored. */
export const PLAN_LABEL = 'pcm-ops.io/plan-generation';
