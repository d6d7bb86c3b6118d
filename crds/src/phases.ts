// When a run, and one target of it, is over: read by the operator (to stop reconciling, to count)
// and by the console (to stop watching, to offer actions), so both agree on what "finished" is.
import { INVOCATION_STATUSES, type BatchInvocation } from './execution-batch.js';
import type { Phase } from './script-execution.js';

type InvocationStatus = BatchInvocation['status'];

/** Phases a ScriptExecution never leaves. */
export const TERMINAL_PHASES: readonly Phase[] = [
  'Succeeded',
  'PartiallySucceeded',
  'Failed',
  'Cancelled',
  'TimedOut',
];

const TERMINAL_PHASE_SET: ReadonlySet<string> = new Set(TERMINAL_PHASES);

export function isTerminalPhase(phase: string | undefined): boolean {
  return phase !== undefined && TERMINAL_PHASE_SET.has(phase);
}

/** Invocation statuses that still change: the target has not reached its end. */
const STILL_CHANGING: readonly InvocationStatus[] = [
  'Pending',
  'InProgress',
  'Delayed',
  'Cancelling',
];

/**
 * Invocation statuses that no longer change: SSM's final ones and the operator's own (NotSent,
 * SendFailed, Unknown, Interrupted), every known status but those still changing. A status this
 * code does not know is observed again rather than taken as the end.
 */
const TERMINAL_INVOCATIONS: ReadonlySet<string> = new Set<string>(
  INVOCATION_STATUSES.filter((status) => !STILL_CHANGING.includes(status)),
);

export function isTerminalInvocation(status: InvocationStatus): boolean {
  return TERMINAL_INVOCATIONS.has(status);
}

/**
 * Counts toward MaxErrors: as SSM counts, only Failed and Execution Timed Out; delivery timeouts,
 * undeliverable, terminated and cancelled invocations do not.
 */
export function countsAsError(status: InvocationStatus): boolean {
  return status === 'Failed' || status === 'ExecutionTimedOut';
}
