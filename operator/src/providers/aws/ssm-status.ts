/**
 * SSM Run Command reports an invocation as a `Status` (the model's enum) plus a `StatusDetails`
 * string that says more. The two together decide what happened; neither alone does: a `TimedOut`
 * invocation may never have started (Delivery Timed Out) or been cut short (Execution Timed Out),
 * and AWS reports Undeliverable and Terminated under Status `Failed`. Which of the statuses are final,
 * and which count against MaxErrors, the API package says (`isTerminalInvocation`, `countsAsError`).
 */
import type { InvocationStatus } from '../../domain/provider.js';

/** Lower case without spaces, so "In Progress", "InProgress" and "inprogress" read the same. */
function normalized(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, '').toLowerCase();
}

const BY_STATUS: Record<string, InvocationStatus> = {
  pending: 'Pending',
  inprogress: 'InProgress',
  delayed: 'Delayed',
  success: 'Success',
  failed: 'Failed',
  // a TimedOut without details: the execution timeout is the one that counts as an error
  timedout: 'ExecutionTimedOut',
  deliverytimedout: 'DeliveryTimedOut',
  executiontimedout: 'ExecutionTimedOut',
  undeliverable: 'Undeliverable',
  terminated: 'Terminated',
  // the API's Status says Cancelled; the documentation of StatusDetails spells it Canceled
  cancelled: 'Cancelled',
  canceled: 'Cancelled',
  cancelling: 'Cancelling',
  canceling: 'Cancelling',
};

/**
 * StatusDetails that say more than a Failed or TimedOut Status. Invalid Platform and Access
 * Denied mean the script never reached the node, and (like Undeliverable) do not count against
 * MaxErrors: they are reported as Undeliverable, with SSM's own words kept in statusDetails.
 */
const REFINING_DETAILS: Record<string, InvocationStatus> = {
  deliverytimedout: 'DeliveryTimedOut',
  executiontimedout: 'ExecutionTimedOut',
  undeliverable: 'Undeliverable',
  terminated: 'Terminated',
  invalidplatform: 'Undeliverable',
  accessdenied: 'Undeliverable',
};

const REFINABLE = new Set<InvocationStatus | undefined>([undefined, 'Failed', 'ExecutionTimedOut']);

/**
 * The invocation's status from SSM's `Status` and `StatusDetails`. A status this code does not
 * know is read as InProgress: not terminal, so it is observed again rather than misreported.
 */
export function invocationStatus(
  status: string | undefined,
  statusDetails: string | undefined,
): InvocationStatus {
  const base = BY_STATUS[normalized(status)];
  const refined = REFINING_DETAILS[normalized(statusDetails)];
  if (refined && REFINABLE.has(base)) return refined;
  return base ?? BY_STATUS[normalized(statusDetails)] ?? 'InProgress';
}
