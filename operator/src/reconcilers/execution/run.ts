import {
  OUTPUT_TAIL_MAX,
  type BatchInvocation,
  type ExecutionBatch,
  type ScriptExecution,
} from '@pcm-ops/crds';
import { crashPoint } from '../../crash.js';
import { isTerminalInvocation } from '../../domain/execution-status.js';
import { mapLimit } from '../../domain/parallel.js';
import type {
  InvocationView,
  LocationSession,
  RenderedCommand,
  Result,
} from '../../providers/types.js';
import type { ExecutionDeps } from './deps.js';

/** A step failed in a way that is worth retrying (throttling, network): requeue with backoff. */
export class TransientStepError extends Error {}

export interface RunContext {
  se: ScriptExecution;
  deps: ExecutionDeps;
  /** Batches by name, updated in place as the step writes them. */
  batches: Map<string, ExecutionBatch>;
}

function unwrap<T>(result: Result<T>, what: string): T {
  if (result.ok) return result.value;
  const message = `${what}: ${result.failure.reason}: ${result.failure.message}`;
  if (result.failure.transient) throw new TransientStepError(message);
  throw new Error(message);
}

async function sessionFor(ctx: RunContext, batch: ExecutionBatch): Promise<LocationSession> {
  const namespace = ctx.se.metadata.namespace!;
  const { credential, accountId, region } = batch.spec;
  const own = ctx.deps.lookups.credential(namespace, credential)?.status?.accountId;
  const session =
    own === accountId
      ? await ctx.deps.sessions.session(namespace, credential)
      : await ctx.deps.sessions.memberSession(namespace, credential, accountId);
  const value = unwrap(session, `credential ${credential} for account ${accountId}`);
  return { accountId, region, credential, credentials: value.credentials };
}

async function writeBatch(
  ctx: RunContext,
  batch: ExecutionBatch,
  status: object,
): Promise<ExecutionBatch> {
  const written = await ctx.deps.store.patchBatchStatus(batch, status);
  ctx.batches.set(written.metadata.name!, written);
  return written;
}

function keyOf(
  ctx: RunContext,
  batch: ExecutionBatch,
): { executionUid: string; batchIndex: number } {
  return { executionUid: ctx.se.metadata.uid!, batchIndex: batch.spec.index };
}

/** A send may have reached SSM before the process died: look for it before sending again. */
export async function recoverSending(ctx: RunContext): Promise<void> {
  const sending = [...ctx.batches.values()].filter((b) => b.status?.phase === 'Sending');
  await mapLimit(sending, ctx.deps.parallelism, async (batch) => {
    const session = await sessionFor(ctx, batch);
    const since = new Date(batch.status?.sendingSince ?? ctx.se.status?.startTime ?? 0);
    const found = unwrap(
      await ctx.deps.provider.findSent(session, keyOf(ctx, batch), since),
      'ListCommands',
    );
    await writeBatch(
      ctx,
      batch,
      found
        ? { phase: 'Sent', commandId: found, sentAt: ctx.deps.now().toISOString() }
        : { phase: 'Planned' },
    );
    ctx.deps.log.info(
      { batch: batch.metadata.name, commandId: found },
      'recovered a batch caught mid-send',
    );
  });
}

function toInvocation(view: InvocationView): BatchInvocation {
  const output = view.output?.slice(0, OUTPUT_TAIL_MAX);
  const truncated = view.outputTruncated || (view.output?.length ?? 0) > OUTPUT_TAIL_MAX;
  return {
    instanceId: view.instanceId,
    status: view.status,
    statusDetails: view.statusDetails.slice(0, 64),
    ...(view.exitCode === undefined ? {} : { exitCode: view.exitCode }),
    ...(output ? { output } : {}),
    ...(truncated ? { outputTruncated: true } : {}),
    ...(view.startedAt ? { startedAt: view.startedAt } : {}),
    ...(view.finishedAt ? { finishedAt: view.finishedAt } : {}),
  };
}

async function observeBatch(ctx: RunContext, batch: ExecutionBatch): Promise<boolean> {
  const session = await sessionFor(ctx, batch);
  ctx.deps.countPoll?.();
  const views = unwrap(
    await ctx.deps.provider.observe(session, batch.status!.commandId!),
    'ListCommandInvocations',
  );
  const invocations = views.map(toInvocation);
  const finished =
    invocations.length === batch.spec.instanceIds.length &&
    invocations.every((i) => isTerminalInvocation(i.status));
  if (JSON.stringify(invocations) === JSON.stringify(batch.status?.invocations ?? []) && !finished)
    return false;
  await writeBatch(ctx, batch, {
    invocations,
    ...(finished ? { phase: 'Finished', finishedAt: ctx.deps.now().toISOString() } : {}),
  });
  return true;
}

/** One poll round: one ListCommandInvocations page per 50 targets of every running command. */
export async function observeSent(ctx: RunContext): Promise<boolean> {
  const sent = [...ctx.batches.values()].filter(
    (b) => b.status?.phase === 'Sent' && b.status.commandId,
  );
  const changed = await mapLimit(sent, ctx.deps.parallelism, (b) => observeBatch(ctx, b));
  crashPoint('after-observe');
  return changed.some(Boolean);
}

/** Cancels the commands in flight (once each) and marks what was never sent as cancelled. */
export async function cancelAll(ctx: RunContext, message: string): Promise<void> {
  const batches = [...ctx.batches.values()];
  const toCancel = batches.filter((b) => b.status?.phase === 'Sent' && !b.status.cancelRequested);
  await mapLimit(toCancel, ctx.deps.parallelism, async (batch) => {
    const session = await sessionFor(ctx, batch);
    unwrap(await ctx.deps.provider.cancel(session, batch.status!.commandId!), 'CancelCommand');
    await writeBatch(ctx, batch, { cancelRequested: true });
  });
  if (toCancel.length) crashPoint('after-cancel');
  await stopUnsent(ctx, 'Cancelled', message);
}

/** Marks batches that were never sent, so they are not sent any more. */
export async function stopUnsent(
  ctx: RunContext,
  phase: 'Cancelled' | 'Skipped',
  message: string,
): Promise<void> {
  const unsent = [...ctx.batches.values()].filter(
    (b) => !b.status?.phase || b.status.phase === 'Planned',
  );
  await mapLimit(unsent, ctx.deps.parallelism, (batch) =>
    writeBatch(ctx, batch, { phase, message }),
  );
}

/** Sends one batch so that a crash at any point neither loses it nor sends it twice. */
export async function sendBatch(
  ctx: RunContext,
  batch: ExecutionBatch,
  command: RenderedCommand,
): Promise<void> {
  const session = await sessionFor(ctx, batch);
  const marked = await writeBatch(ctx, batch, {
    phase: 'Sending',
    sendingSince: ctx.deps.now().toISOString(),
  });
  crashPoint('after-sending-mark');
  const commandId = unwrap(
    await ctx.deps.provider.send(session, keyOf(ctx, marked), marked.spec.instanceIds, command),
    'SendCommand',
  );
  crashPoint('after-send');
  await writeBatch(ctx, marked, { phase: 'Sent', commandId, sentAt: ctx.deps.now().toISOString() });
  crashPoint('after-sent-write');
}
