import { z } from 'zod';
import { ObjectMeta, RecordedProvider, Scope, Zone, objectName, timestamp } from './common.js';

export const BATCH_PHASES = [
  'Planned',
  'Sending',
  'Sent',
  'Finished',
  'Cancelled',
  'Skipped',
  'Failed',
] as const;
export type BatchPhase = (typeof BATCH_PHASES)[number];
/** SSM's SendCommand takes at most 50 instance ids. */
export const BATCH_SIZE = 50;
/** Output kept per target in the batch; the full output is fetched on demand. */
export const OUTPUT_TAIL_MAX = 1000;

export const INVOCATION_STATUSES = [
  'Pending',
  'InProgress',
  'Delayed',
  'Success',
  'Failed',
  'DeliveryTimedOut',
  'ExecutionTimedOut',
  'Undeliverable',
  'Terminated',
  'Cancelled',
  'Cancelling',
  'NotSent',
  'SendFailed',
  'Unknown',
  'Interrupted',
] as const;
/**
 * Batch index = location × LOCATION_STRIDE + chunk: unique within an execution, and the same on
 * every attempt, so the comment on a command sent before finds its batch again.
 */
export const LOCATION_STRIDE = 100_000;

const Invocation = z
  .object({
    instanceId: z.string().max(253).describe('The machine.'),
    status: z
      .enum(INVOCATION_STATUSES)
      .describe(
        'Where the script stands on this machine: the provider’s status in SSM’s words; NotSent (the run stopped first), SendFailed (the command could not be sent), Unknown (sent, but its outcome could no longer be read) or Interrupted (it started, and its process ended without an exit status: never run again).',
      ),
    statusDetails: z
      .string()
      .max(64)
      .optional()
      .describe('The provider’s own status detail (SSM’s StatusDetails, as AWS wrote it).'),
    exitCode: z.number().int().optional().describe('The script’s exit code.'),
    output: z
      .string()
      .max(OUTPUT_TAIL_MAX)
      .optional()
      .describe(
        `First ${OUTPUT_TAIL_MAX} characters of the output; the rest is fetched on demand.`,
      ),
    outputTruncated: z.boolean().optional().describe('The output shown here is not all of it.'),
    startedAt: timestamp('When the script started on the instance.'),
    finishedAt: timestamp('When it finished.'),
  })
  .describe('One target: an instance and how its invocation went.');

export const ExecutionBatchSpec = z
  .object({
    executionName: objectName('The ScriptExecution this batch belongs to.'),
    index: z
      .number()
      .int()
      .min(0)
      .describe(
        'Position of the batch in the execution’s plan: location × 100000 + its chunk in that location.',
      ),
    location: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'The row of the execution’s status.accounts (target, account, region) it belongs to.',
      ),
    target: z.string().max(63).optional().describe('Name (or index) of the spec.targets entry.'),
    credential: objectName('The CloudCredential that reaches the account.'),
    provider: RecordedProvider,
    accountId: Scope,
    region: Zone,
    instanceIds: z
      .array(z.string().max(253))
      .min(1)
      .max(BATCH_SIZE)
      .describe('The instances of this batch: one SSM command reaches all of them.'),
  })
  .describe('One SSM command of an execution: up to 50 instances in one account and region.');

export const ExecutionBatchStatus = z
  .object({
    phase: z
      .enum(BATCH_PHASES)
      .optional()
      .describe(
        'Planned, Sending, Sent, Finished; or Cancelled or Skipped when the run stopped before sending it; or Failed when it could not be sent, or its outcome could no longer be read.',
      ),
    commandId: z.string().max(64).optional().describe('The SSM command id, once sent.'),
    sendingSince: timestamp(
      'When the operator started sending; a restart looks the command up from here.',
    ),
    sentAt: timestamp('When SSM accepted the command.'),
    finishedAt: timestamp('When every invocation reached a final status.'),
    cancelRequested: z.boolean().optional().describe('CancelCommand was called for this batch.'),
    reason: z
      .string()
      .max(128)
      .optional()
      .describe('Why the batch failed, was stopped, or is being retried, in CamelCase.'),
    message: z
      .string()
      .max(1024)
      .optional()
      .describe('Why the batch failed, was stopped, or is being retried.'),
    unreachableSince: timestamp(
      'Since when the command’s outcome could not be read; past the operator’s grace period the batch is Failed.',
    ),
    invocations: z
      .array(Invocation)
      .max(BATCH_SIZE)
      .optional()
      .describe('Per-target detail, one entry per instance.'),
  })
  .describe('What happened to the batch.');

export const ExecutionBatchSchema = z
  .object({
    apiVersion: z.literal('pcm-ops.io/v1alpha1').describe('pcm-ops.io/v1alpha1'),
    kind: z.literal('ExecutionBatch').describe('ExecutionBatch'),
    metadata: ObjectMeta,
    spec: ExecutionBatchSpec,
    status: ExecutionBatchStatus.optional(),
  })
  .describe(
    'Per-target detail of a ScriptExecution, one object per SSM command, owned by the execution. Written by the operator.',
  );

export type ExecutionBatch = z.output<typeof ExecutionBatchSchema>;
export type ExecutionBatchStatus = z.output<typeof ExecutionBatchStatus>;
export type BatchInvocation = z.output<typeof Invocation>;
