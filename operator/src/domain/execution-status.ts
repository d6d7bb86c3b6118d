import type { BatchInvocation, ExecutionBatch, Phase, ScriptExecutionStatus } from '@pcm-ops/crds';
import type { ConditionUpdate } from './conditions.js';

type Counts = NonNullable<ScriptExecutionStatus['counts']>;
type Row = NonNullable<ScriptExecutionStatus['accounts']>[number];
type FailedTarget = NonNullable<ScriptExecutionStatus['failedSample']>[number];

const FAILED_SAMPLE_SIZE = 20;

export type CountKey = 'pending' | 'inProgress' | 'succeeded' | 'failed' | 'timedOut' | 'cancelled';

const COUNT_KEYS: Record<BatchInvocation['status'], CountKey> = {
  Success: 'succeeded',
  Failed: 'failed',
  Undeliverable: 'failed',
  Terminated: 'failed',
  DeliveryTimedOut: 'timedOut',
  ExecutionTimedOut: 'timedOut',
  Cancelled: 'cancelled',
  NotSent: 'cancelled',
  InProgress: 'inProgress',
  Cancelling: 'inProgress',
  Pending: 'pending',
  Delayed: 'pending',
};

/** Which count an invocation status adds to. NotSent targets were stopped before they started. */
export function countKey(status: BatchInvocation['status']): CountKey {
  return COUNT_KEYS[status] ?? 'pending';
}

const TERMINAL = new Set<CountKey>(['succeeded', 'failed', 'timedOut', 'cancelled']);

export function isTerminalInvocation(status: BatchInvocation['status']): boolean {
  return TERMINAL.has(countKey(status));
}

/** SSM counts only Failed and Execution Timed Out against MaxErrors. */
export function countsAsError(status: BatchInvocation['status']): boolean {
  return status === 'Failed' || status === 'ExecutionTimedOut';
}

/** The invocations of a batch, with a Pending entry for every instance not yet reported. */
export function invocationsOf(batch: ExecutionBatch): BatchInvocation[] {
  const reported = new Map((batch.status?.invocations ?? []).map((i) => [i.instanceId, i]));
  const unsent = batch.status?.phase === 'Skipped' || batch.status?.phase === 'Cancelled';
  return batch.spec.instanceIds.map(
    (instanceId) =>
      reported.get(instanceId) ?? { instanceId, status: unsent ? 'NotSent' : 'Pending' },
  );
}

export interface ExecutionSummary {
  counts: Counts;
  progress: string;
  accounts: Row[];
  failedSample: FailedTarget[];
  truncatedOutputs: number;
  /** Targets running now, for the concurrency limit. */
  inFlight: number;
  /** Failed and Execution Timed Out, for the error limit. */
  errors: number;
  /** Every planned target has a final status. */
  finished: boolean;
}

function rowFor(rows: Map<string, Row>, batch: ExecutionBatch): Row {
  const { credential, accountId, region, target } = batch.spec;
  const key = `${target ?? ''}/${credential}/${accountId}/${region}`;
  let row = rows.get(key);
  if (!row) {
    row = {
      target,
      credential,
      accountId,
      region,
      total: 0,
      succeeded: 0,
      failed: 0,
      commandIds: [],
    };
    rows.set(key, row);
  }
  return row;
}

function emptyCounts(skipped: number): Counts {
  return {
    total: skipped,
    skipped,
    pending: 0,
    inProgress: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    cancelled: 0,
  };
}

function tally(summary: ExecutionSummary, row: Row, key: CountKey, sent: boolean): void {
  summary.counts[key] = (summary.counts[key] ?? 0) + 1;
  summary.counts.total++;
  row.total++;
  if (key === 'succeeded') row.succeeded = (row.succeeded ?? 0) + 1;
  if (key === 'failed' || key === 'timedOut') row.failed = (row.failed ?? 0) + 1;
  if (key === 'inProgress' || (key === 'pending' && sent)) summary.inFlight++;
}

function sampleFailure(
  summary: ExecutionSummary,
  batch: ExecutionBatch,
  inv: BatchInvocation,
): void {
  if (summary.failedSample.length >= FAILED_SAMPLE_SIZE) return;
  summary.failedSample.push({
    instanceId: inv.instanceId,
    accountId: batch.spec.accountId,
    region: batch.spec.region,
    status: inv.statusDetails ?? inv.status,
    ...(inv.exitCode === undefined ? {} : { exitCode: inv.exitCode }),
  });
}

function addInvocation(
  summary: ExecutionSummary,
  row: Row,
  batch: ExecutionBatch,
  inv: BatchInvocation,
): void {
  const key = countKey(inv.status);
  tally(summary, row, key, batch.status?.phase === 'Sent');
  if (countsAsError(inv.status)) summary.errors++;
  if (inv.outputTruncated) summary.truncatedOutputs++;
  if (key === 'failed' || key === 'timedOut') sampleFailure(summary, batch, inv);
}

/** Folds the batches of an execution into the numbers its status shows. */
export function summarize(batches: readonly ExecutionBatch[], skipped: number): ExecutionSummary {
  const summary: ExecutionSummary = {
    counts: emptyCounts(skipped),
    progress: '',
    accounts: [],
    failedSample: [],
    truncatedOutputs: 0,
    inFlight: 0,
    errors: 0,
    finished: true,
  };
  const rows = new Map<string, Row>();
  const ordered = [...batches].sort((a, b) => a.spec.index - b.spec.index);
  for (const batch of ordered) {
    const row = rowFor(rows, batch);
    if (batch.status?.commandId) row.commandIds!.push(batch.status.commandId);
    for (const inv of invocationsOf(batch)) addInvocation(summary, row, batch, inv);
  }
  const c = summary.counts;
  const planned = c.total - (c.skipped ?? 0);
  const done = (c.succeeded ?? 0) + (c.failed ?? 0) + (c.timedOut ?? 0) + (c.cancelled ?? 0);
  summary.progress = `${done}/${planned}`;
  summary.finished = done === planned;
  summary.accounts = [...rows.values()];
  return summary;
}

export type EndReason = 'Cancelled' | 'DeadlineExceeded' | 'MaxErrorsExceeded' | undefined;

/** The final phase of a finished execution. */
export function finalPhase(counts: Counts, ended: EndReason): Phase {
  if (ended === 'Cancelled') return 'Cancelled';
  if (ended === 'DeadlineExceeded') return 'TimedOut';
  const failures = (counts.failed ?? 0) + (counts.timedOut ?? 0) + (counts.cancelled ?? 0);
  if (ended === 'MaxErrorsExceeded' || (counts.succeeded ?? 0) === 0) return 'Failed';
  return failures === 0 ? 'Succeeded' : 'PartiallySucceeded';
}

export function isTerminalPhase(phase: Phase | undefined): boolean {
  return (
    phase === 'Succeeded' ||
    phase === 'PartiallySucceeded' ||
    phase === 'Failed' ||
    phase === 'Cancelled' ||
    phase === 'TimedOut'
  );
}

function condition(type: string, status: boolean, reason: string, message = ''): ConditionUpdate {
  return { type, status: status ? 'True' : 'False', reason, message };
}

interface PhaseFlags {
  terminal: boolean;
  complete: boolean;
  failed: boolean;
  suspended: boolean;
}

function flagsOf(phase: Phase): PhaseFlags {
  const terminal = isTerminalPhase(phase);
  const complete = phase === 'Succeeded' || phase === 'PartiallySucceeded';
  return { terminal, complete, failed: terminal && !complete, suspended: phase === 'Suspended' };
}

/** Job-like and kstatus conditions for a phase. */
export function phaseConditions(phase: Phase, reason: string, message: string): ConditionUpdate[] {
  const f = flagsOf(phase);
  const why = f.terminal ? reason : phase;
  return [
    condition('Complete', f.complete, why, f.complete ? message : ''),
    condition('Failed', f.failed, f.failed ? reason : phase, f.failed ? message : ''),
    condition('Suspended', f.suspended, phase),
    condition('Ready', phase === 'Succeeded', reason, message),
    condition('Reconciling', !f.terminal && !f.suspended, phase),
    condition(
      'Stalled',
      f.failed || phase === 'PartiallySucceeded',
      why,
      f.terminal ? message : '',
    ),
  ];
}

/** A one-line account of the run, for status.message and Events. */
export function describeRun(summary: ExecutionSummary): string {
  const c = summary.counts;
  const parts = [`${c.succeeded} succeeded`, `${c.failed} failed`];
  if (c.timedOut) parts.push(`${c.timedOut} timed out`);
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  return `${summary.progress} targets finished: ${parts.join(', ')}`;
}
