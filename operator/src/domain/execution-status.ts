import {
  countsAsError,
  isTerminalPhase,
  type BatchInvocation,
  type ExecutionBatch,
  type Phase,
  type ScriptExecutionStatus,
} from '@pcm-ops/crds';
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
  SendFailed: 'failed',
  Unknown: 'failed',
  Interrupted: 'failed',
  InProgress: 'inProgress',
  Cancelling: 'inProgress',
  Pending: 'pending',
  Delayed: 'pending',
};

/** Which count an invocation status adds to. NotSent targets were stopped before they started. */
export function countKey(status: BatchInvocation['status']): CountKey {
  return COUNT_KEYS[status] ?? 'pending';
}

/** What a target of a batch that has not reported it shows, by the batch's phase. */
function unreported(batch: ExecutionBatch): BatchInvocation['status'] {
  const phase = batch.status?.phase;
  if (phase === 'Skipped' || phase === 'Cancelled') return 'NotSent';
  if (phase === 'Failed') return batch.status?.commandId ? 'Unknown' : 'SendFailed';
  return 'Pending';
}

/** The invocations of a batch, with an entry for every instance not yet reported. */
export function invocationsOf(batch: ExecutionBatch): BatchInvocation[] {
  const reported = new Map((batch.status?.invocations ?? []).map((i) => [i.instanceId, i]));
  const status = unreported(batch);
  return batch.spec.instanceIds.map(
    (instanceId) => reported.get(instanceId) ?? { instanceId, status },
  );
}

/** A problem in one location this round: shown on its row until it clears. */
export interface LocationProblem {
  reason: string;
  message: string;
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

/** A row as frozen when resolving started, its counts zeroed for a fresh tally. */
function freshRow(row: Row): Row {
  const fresh: Row = { ...row, total: 0, succeeded: 0, failed: 0, commandIds: [] };
  delete fresh.reason;
  delete fresh.message;
  return fresh;
}

/** Rows of batches whose row is missing (written before rows were kept per location). */
function rowFor(rows: Row[], batch: ExecutionBatch): Row {
  const at = batch.spec.location ?? 0;
  let row = rows[at];
  if (!row) {
    const { credential, accountId, region, target } = batch.spec;
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
    rows[at] = row;
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
  // a batch caught mid-send may be running: it counts against the concurrency limit too
  const sent = batch.status?.phase === 'Sent' || batch.status?.phase === 'Sending';
  tally(summary, row, key, sent);
  if (countsAsError(inv.status)) summary.errors++;
  if (inv.outputTruncated) summary.truncatedOutputs++;
  if (key === 'failed' || key === 'timedOut') sampleFailure(summary, batch, inv);
}

/** The first reason a row shows: this round's problem, then its own failure, then a batch's. */
function rowProblem(
  row: Row,
  problem: LocationProblem | undefined,
  failedBatch: ExecutionBatch | undefined,
): LocationProblem | undefined {
  if (problem) return problem;
  if (row.state === 'Failed' && row.reason)
    return { reason: row.reason, message: row.message ?? '' };
  const status = failedBatch?.status;
  if (status?.reason) return { reason: status.reason, message: status.message ?? '' };
  return undefined;
}

function withProblem(row: Row, problem: LocationProblem | undefined): Row {
  if (!problem) return row;
  return { ...row, reason: problem.reason, message: problem.message.slice(0, 1024) };
}

/**
 * Folds the batches of an execution into the numbers its status shows. `rows` are the locations
 * as frozen when resolving started; `problems` what went wrong in some of them this round.
 */
export function summarize(
  batches: readonly ExecutionBatch[],
  frozenRows: readonly Row[] = [],
  problems: ReadonlyMap<number, LocationProblem> = new Map(),
): ExecutionSummary {
  const skipped = frozenRows.reduce((n, row) => n + (row.skipped ?? 0), 0);
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
  const rows = frozenRows.map(freshRow);
  const failedBatch = tallyBatches(summary, rows, batches);
  const done = finishedCount(summary.counts);
  const planned = summary.counts.total - (summary.counts.skipped ?? 0);
  summary.progress = `${done}/${planned}`;
  summary.finished = done === planned && rows.every((row) => row.state !== 'Resolving');
  summary.accounts = rows.map((row, at) =>
    withProblem(row, rowProblem(frozenRows[at] ?? row, problems.get(at), failedBatch.get(at))),
  );
  return summary;
}

/** Adds every batch's targets to the summary and its row; returns each row's first failed batch. */
function tallyBatches(
  summary: ExecutionSummary,
  rows: Row[],
  batches: readonly ExecutionBatch[],
): Map<number, ExecutionBatch> {
  const failedBatch = new Map<number, ExecutionBatch>();
  const ordered = [...batches].sort((a, b) => a.spec.index - b.spec.index);
  for (const batch of ordered) {
    const row = rowFor(rows, batch);
    const at = batch.spec.location ?? 0;
    if (batch.status?.commandId) row.commandIds!.push(batch.status.commandId);
    if (batch.status?.phase === 'Failed' && !failedBatch.has(at)) failedBatch.set(at, batch);
    for (const inv of invocationsOf(batch)) addInvocation(summary, row, batch, inv);
  }
  return failedBatch;
}

/** Targets with a final status. */
function finishedCount(c: Counts): number {
  return (c.succeeded ?? 0) + failureCount(c);
}

/** Targets that ended without success. */
function failureCount(c: Counts): number {
  return (c.failed ?? 0) + (c.timedOut ?? 0) + (c.cancelled ?? 0);
}

/** Locations whose targets could not be found: the run cannot have fully succeeded. */
export function unresolvedLocations(rows: readonly Row[]): number {
  return rows.filter((row) => row.state === 'Failed').length;
}

export type EndReason = 'Cancelled' | 'DeadlineExceeded' | 'MaxErrorsExceeded' | undefined;

/**
 * The final phase of a finished execution. Locations whose targets could not be found
 * (`unresolved`) leave the run partly done at best.
 */
export function finalPhase(counts: Counts, ended: EndReason, unresolved = 0): Phase {
  if (ended === 'Cancelled') return 'Cancelled';
  if (ended === 'DeadlineExceeded') return 'TimedOut';
  if (ended === 'MaxErrorsExceeded' || !counts.succeeded) return 'Failed';
  return failureCount(counts) === 0 && unresolved === 0 ? 'Succeeded' : 'PartiallySucceeded';
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
