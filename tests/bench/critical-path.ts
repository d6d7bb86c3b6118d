// What happens before an execution's SendCommand, as the reconciler's code has it today; the
// latency report adds up the measured cost of these steps.

/**
 * The requests the reconciler makes before an execution's SendCommand, in order, as its code has
 * them (reconcilers/script-execution.ts and execution/run.ts): the finalizer; the plan (clear
 * stale batches, create the batch and mark it Planned, the Pending status and its Event); the
 * start (the Running status and its Event); and the batch marked Sending.
 */
export const REQUESTS_BEFORE_SEND = [
  'PATCH scriptexecutions',
  'DELETE executionbatches',
  'POST executionbatches',
  'PATCH executionbatches/status',
  'PATCH scriptexecutions/status',
  'POST events',
  'PATCH scriptexecutions/status',
  'POST events',
  'PATCH executionbatches/status',
];
/** The AWS calls before the send: resolve the instance, check its agent is online. */
export const AWS_BEFORE_SEND = ['DescribeInstances', 'DescribeInstanceInformation'];
