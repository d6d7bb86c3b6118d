// Pure views over ScriptExecution and ExecutionBatch objects for the pages.
import {
  isTerminalPhase,
  PHASES,
  type CloudCredential,
  type ExecutionBatch,
  type Phase,
  type ScriptExecution,
} from '@pcm-ops/crds';

export const PHASE_ORDER: readonly Phase[] = PHASES;
const FAILED: ReadonlySet<string> = new Set(['PartiallySucceeded', 'Failed', 'TimedOut']);
const ACTIVE: ReadonlySet<string> = new Set(['Pending', 'Resolving', 'Running']);

export const isPhase = (value: string | null): value is Phase =>
  value !== null && (PHASE_ORDER as readonly string[]).includes(value);
/** The run is over: the API package's rule, the one the operator stops reconciling by. */
export const isTerminal = (phase: string | undefined): boolean => isTerminalPhase(phase);

export interface ExecutionRow {
  namespace: string;
  name: string;
  phase: string;
  progress: string;
  startTime: string;
  completionTime: string;
  message: string;
}

export function executionRow(execution: ScriptExecution): ExecutionRow {
  const status = { phase: 'Pending', ...execution.status };
  const text = (value: string | undefined): string => value ?? '';
  return {
    namespace: text(execution.metadata.namespace),
    name: text(execution.metadata.name),
    phase: status.phase,
    progress: text(status.progress),
    startTime: text(status.startTime),
    completionTime: text(status.completionTime),
    message: text(status.message),
  };
}

export interface Summary {
  byPhase: Array<{ phase: Phase; count: number }>;
  running: ExecutionRow[];
  recentFailures: ExecutionRow[];
}

const newestFirst = (a: ExecutionRow, b: ExecutionRow): number =>
  (b.completionTime || b.startTime).localeCompare(a.completionTime || a.startTime);

export function summarize(executions: ScriptExecution[], failureLimit = 10): Summary {
  const rows = executions.map(executionRow);
  const byPhase = PHASE_ORDER.map((phase) => ({
    phase,
    count: rows.filter((row) => row.phase === phase).length,
  }));
  return {
    byPhase,
    running: rows.filter((row) => ACTIVE.has(row.phase)).sort(newestFirst),
    recentFailures: rows
      .filter((row) => FAILED.has(row.phase))
      .sort(newestFirst)
      .slice(0, failureLimit),
  };
}

export interface TargetRow {
  instanceId: string;
  /** The provider of the batch's place: aws or ssh. */
  provider: string;
  /** The place's scope: an account id, or an inventory for SSH hosts. */
  accountId: string;
  region: string;
  status: string;
  exitCode?: number;
  hasOutput: boolean;
}

/** One row per instance, in plan order; instances not yet observed show their batch's phase. */
export function targetRows(batches: ExecutionBatch[]): TargetRow[] {
  return [...batches]
    .sort((a, b) => a.spec.index - b.spec.index)
    .flatMap((batch) => {
      const byId = new Map((batch.status?.invocations ?? []).map((i) => [i.instanceId, i]));
      return batch.spec.instanceIds.map((instanceId) => {
        const invocation = byId.get(instanceId);
        return {
          instanceId,
          provider: batch.spec.provider ?? 'aws',
          accountId: batch.spec.accountId,
          region: batch.spec.region,
          status: invocation?.status ?? batch.status?.phase ?? 'Planned',
          exitCode: invocation?.exitCode,
          hasOutput: Boolean(invocation?.output),
        };
      });
    });
}

/** The output head the batch keeps for one instance, and whether it is cut short. */
export function targetOutput(
  batches: ExecutionBatch[],
  instanceId: string,
): { output: string; truncated: boolean } | undefined {
  for (const batch of batches) {
    const invocation = batch.status?.invocations?.find((i) => i.instanceId === instanceId);
    if (invocation) {
      return { output: invocation.output ?? '', truncated: invocation.outputTruncated ?? false };
    }
  }
  return undefined;
}

/**
 * The batches with the provider of each one's place: what the batch records, else what its
 * credential names in spec.provider (an operator that does not record it yet).
 */
export function withProviders(
  batches: readonly ExecutionBatch[],
  credentials: readonly CloudCredential[],
): ExecutionBatch[] {
  const providers = new Map(credentials.map((c) => [c.metadata.name, c.spec.provider]));
  return batches.map((batch) => {
    const provider = batch.spec.provider ?? providers.get(batch.spec.credential);
    return provider ? { ...batch, spec: { ...batch.spec, provider } } : batch;
  });
}

type PlaceRow = NonNullable<NonNullable<ScriptExecution['status']>['accounts']>[number];

/** The status with the provider of each place row: what it records, else its credential's. */
export function withRowProviders(
  status: NonNullable<ScriptExecution['status']>,
  credentials: readonly CloudCredential[],
): NonNullable<ScriptExecution['status']> {
  if (!status.accounts) return status;
  const providers = new Map(credentials.map((c) => [c.metadata.name, c.spec.provider]));
  const rows = status.accounts.map((row: PlaceRow) => {
    const provider = row.provider ?? providers.get(row.credential);
    return provider ? { ...row, provider } : row;
  });
  return { ...status, accounts: rows };
}
