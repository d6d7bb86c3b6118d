// What happens before an execution's SendCommand, as the reconciler's code has it today; the
// latency report adds up the measured cost of these steps.

/**
 * The requests the reconciler makes, one after another, before an execution's SendCommand, as its
 * code has them (reconcilers/script-execution.ts and execution/run.ts), all in one reconcile: the
 * finalizer; the batch created; the plan and the start in one status write (its Event is recorded
 * without waiting); and the batch marked Sending. No DELETE of stale batches when there are none.
 */
export const REQUESTS_BEFORE_SEND = [
  'PATCH scriptexecutions',
  'POST executionbatches',
  'PATCH scriptexecutions/status',
  'PATCH executionbatches/status',
];
/** The AWS calls before the send: resolve the instance, check its agent is online. */
export const AWS_BEFORE_SEND = ['DescribeInstances', 'DescribeInstanceInformation'];
