/**
 * Sending batches so that each reaches the provider at most once, whatever fails:
 *   Planned → (conditional write) Sending → one send, never retried by a library → Sent.
 * A send without a definite answer leaves the batch Sending; a batch found Sending (after such a
 * send, or a crash) is looked up by its comment once it is old enough to have been recorded, and
 * is sent again only when it is not found. A definite refusal ends the batch with the provider's
 * reason (or, for throttling, sends it later). Each location backs off on its own.
 */
import type { ExecutionBatch } from '@pcm-ops/crds';
import { crashPoint } from '../../crash.js';
import { invocationsOf } from '../../domain/execution-status.js';
import { mapLimit } from '../../domain/parallel.js';
import type { BatchKey, Failure, RenderedCommand } from '../../domain/provider.js';
import type { LocationBackoff } from './backoff.js';
import type { Run } from './context.js';
import { locationReach } from './resolve.js';

export function keyOf(run: Run, batch: ExecutionBatch): BatchKey {
  return { executionUid: run.uid, batchIndex: batch.spec.index };
}

/** Records a failed call on the batch's location: its row shows it; it waits before trying again. */
export function locationFailed(
  run: Run,
  batch: ExecutionBatch,
  failure: Failure,
  backoff: LocationBackoff,
): void {
  const problem = { reason: failure.reason, message: failure.message.slice(0, 1024) };
  const first = backoff.fail(run.uid, batch.spec.location ?? 0, problem, run.now().getTime());
  if (first) void run.deps.events.record(run.se, { type: 'Warning', ...problem });
}

/** Ends a batch that cannot be sent: each of its targets SendFailed, with the reason. */
export async function sendFailed(run: Run, batch: ExecutionBatch, failure: Failure): Promise<void> {
  const statusDetails = failure.reason.slice(0, 64);
  await run.writeBatch(batch, {
    phase: 'Failed',
    reason: failure.reason,
    message: failure.message.slice(0, 1024),
    finishedAt: run.now().toISOString(),
    invocations: batch.spec.instanceIds.map((instanceId) => ({
      instanceId,
      status: 'SendFailed',
      statusDetails,
    })),
  });
}

/**
 * A batch caught mid-send whose provider cannot say whether it got it, for a lasting reason (the
 * credential gone, access withdrawn). It may have run, so it is never sent again; past the grace
 * period the batch ends and each of its targets is Unknown, with the reason, so the run can end.
 */
async function lookupFailed(run: Run, batch: ExecutionBatch, failure: Failure): Promise<void> {
  const now = run.now();
  const since = batch.status?.unreachableSince;
  if (!since) {
    await run.writeBatch(batch, {
      unreachableSince: now.toISOString(),
      reason: failure.reason,
      message: failure.message.slice(0, 1024),
    });
    return;
  }
  if (now.getTime() - new Date(since).getTime() < run.deps.timing.unreachableGraceMs) return;
  await run.writeBatch(batch, {
    phase: 'Failed',
    reason: failure.reason,
    message: `could not find out whether the batch was sent: ${failure.message}`.slice(0, 1024),
    finishedAt: now.toISOString(),
    invocations: batch.spec.instanceIds.map((instanceId) => ({
      instanceId,
      status: 'Unknown',
      statusDetails: failure.reason.slice(0, 64),
    })),
  });
}

function sendingSince(run: Run, batch: ExecutionBatch): Date {
  return new Date(batch.status?.sendingSince ?? run.se.status?.startTime ?? 0);
}

function oldEnough(run: Run, batch: ExecutionBatch): boolean {
  const since = new Date(batch.status?.sendingSince ?? 0).getTime();
  return run.now().getTime() - since >= run.deps.timing.sendSettleMs;
}

/**
 * A batch caught mid-send: adopt the command when the provider has it, or make the batch
 * sendable again when it has not. Returns false when it is too early to tell.
 */
async function recover(
  run: Run,
  batch: ExecutionBatch,
  backoff: LocationBackoff,
): Promise<boolean> {
  if (!oldEnough(run, batch)) return false;
  const reach = locationReach(run, batch.spec.location ?? 0);
  const since = sendingSince(run, batch);
  const found = reach.ok
    ? await reach.value.provider.findSent(reach.value.place, keyOf(run, batch), since)
    : reach;
  if (!found.ok) {
    locationFailed(run, batch, found.failure, backoff);
    if (!found.failure.transient) await lookupFailed(run, batch, found.failure);
    return true;
  }
  await adopt(run, batch, found.value);
  return true;
}

/** The lookup's answer: the command it found, or none (the batch may be sent again). */
async function adopt(
  run: Run,
  batch: ExecutionBatch,
  commandId: string | undefined,
): Promise<void> {
  const now = run.now().toISOString();
  await run.writeBatch(
    batch,
    commandId
      ? { phase: 'Sent', commandId, sentAt: now, reason: null, message: null }
      : { phase: 'Planned', sendingSince: null },
  );
  run.deps.log.info(
    { batch: batch.metadata.name, commandId: commandId ?? null },
    commandId ? 'adopted a command sent before' : 'a batch caught mid-send was never sent',
  );
}

/** Looks up every batch caught mid-send; returns how long until the youngest can be looked up. */
export async function recoverSending(
  run: Run,
  backoff: LocationBackoff,
): Promise<number | undefined> {
  const now = run.now().getTime();
  const sending = run
    .sorted()
    .filter(
      (b) => b.status?.phase === 'Sending' && !backoff.waiting(run.uid, b.spec.location ?? 0, now),
    );
  const done = await mapLimit(sending, run.deps.parallelism, (b) => recover(run, b, backoff));
  const waiting = sending.filter((_, at) => !done[at]);
  if (!waiting.length) return undefined;
  const settle = run.deps.timing.sendSettleMs;
  return Math.min(
    ...waiting.map((b) => settle - (now - new Date(b.status?.sendingSince ?? 0).getTime())),
  );
}

/** The outcome of one send, for the caller's bookkeeping. */
export type SendOutcome = 'sent' | 'retry' | 'unknown' | 'failed';

async function afterRefusal(
  run: Run,
  marked: ExecutionBatch,
  failure: Failure,
  backoff: LocationBackoff,
): Promise<SendOutcome> {
  if (failure.outcomeUnknown) {
    // the provider may have it: the batch stays Sending and is looked up before anything else
    locationFailed(run, marked, failure, backoff);
    await run.writeBatch(marked, {
      reason: failure.reason,
      message: failure.message.slice(0, 1024),
    });
    return 'unknown';
  }
  if (failure.transient) {
    locationFailed(run, marked, failure, backoff);
    await run.writeBatch(marked, { phase: 'Planned', sendingSince: null, reason: failure.reason });
    return 'retry';
  }
  locationFailed(run, marked, failure, backoff);
  await sendFailed(run, marked, failure);
  return 'failed';
}

/** Sends one batch so that a crash at any point neither loses it nor sends it twice. */
export async function sendBatch(
  run: Run,
  batch: ExecutionBatch,
  command: RenderedCommand,
  backoff: LocationBackoff,
): Promise<SendOutcome> {
  const reach = locationReach(run, batch.spec.location ?? 0);
  if (!reach.ok) {
    locationFailed(run, batch, reach.failure, backoff);
    if (reach.failure.transient) return 'retry';
    await sendFailed(run, batch, reach.failure);
    return 'failed';
  }
  const marked = await run.writeBatch(batch, {
    phase: 'Sending',
    sendingSince: run.now().toISOString(),
  });
  crashPoint('after-sending-mark');
  const sent = await reach.value.provider.send(
    reach.value.place,
    keyOf(run, marked),
    marked.spec.instanceIds,
    command,
  );
  crashPoint('after-send');
  if (!sent.ok) return afterRefusal(run, marked, sent.failure, backoff);
  await run.writeBatch(marked, {
    phase: 'Sent',
    commandId: sent.value,
    sentAt: run.now().toISOString(),
    reason: null,
    message: null,
  });
  backoff.clear(run.uid, marked.spec.location ?? 0);
  crashPoint('after-sent-write');
  return 'sent';
}

/** Marks batches that were never sent, so they are not sent any more. */
export async function stopUnsent(
  run: Run,
  phase: 'Cancelled' | 'Skipped',
  message: string,
): Promise<void> {
  const unsent = run.sorted().filter((b) => !b.status?.phase || b.status.phase === 'Planned');
  await mapLimit(unsent, run.deps.parallelism, (batch) =>
    run.writeBatch(batch, {
      phase,
      message,
      invocations: invocationsOf({ ...batch, status: { phase } }),
    }),
  );
}
