/**
 * Following sent commands (one page of 50 invocations per batch per round) and cancelling them.
 * A location whose calls fail marks only its own batches: a sent batch whose outcome cannot be
 * read is given up as Unknown after a grace period, while every other location goes on.
 */
import {
  isTerminalInvocation,
  OUTPUT_TAIL_MAX,
  type BatchInvocation,
  type ExecutionBatch,
} from '@pcm-ops/crds';
import { crashPoint } from '../../crash.js';
import { invocationsOf } from '../../domain/execution-status.js';
import { mapLimit } from '../../domain/parallel.js';
import type { Failure, InvocationView } from '../../domain/provider.js';
import type { LocationBackoff } from './backoff.js';
import type { Run } from './context.js';
import { locationFailed, stopUnsent } from './dispatch.js';
import { locationReach } from './resolve.js';

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

/**
 * The outcome of a sent batch cannot be read. A passing problem (throttling, an outage) waits; a
 * lasting one (the credential deleted, access withdrawn) is given up after the grace period: its
 * targets not yet finished become Unknown, and the run can end.
 */
async function unreachable(
  run: Run,
  batch: ExecutionBatch,
  failure: Failure,
  backoff: LocationBackoff,
): Promise<boolean> {
  locationFailed(run, batch, failure, backoff);
  if (failure.transient) return false;
  const now = run.now();
  const since = batch.status?.unreachableSince;
  const message = failure.message.slice(0, 900);
  if (!since) {
    await run.writeBatch(batch, {
      unreachableSince: now.toISOString(),
      reason: failure.reason,
      message,
    });
    return true;
  }
  const graceMs = run.deps.timing.unreachableGraceMs;
  if (now.getTime() - new Date(since).getTime() < graceMs) return false;
  const invocations = invocationsOf(batch).map((inv) =>
    isTerminalInvocation(inv.status)
      ? inv
      : { ...inv, status: 'Unknown' as const, statusDetails: failure.reason.slice(0, 64) },
  );
  await run.writeBatch(batch, {
    phase: 'Failed',
    reason: failure.reason,
    message: `${message} (outcome unknown: could not be read for ${Math.round(graceMs / 1000)} s)`,
    finishedAt: now.toISOString(),
    invocations,
  });
  return true;
}

/** What a poll read: the batch's new status fields, or undefined when nothing changed. */
function observed(run: Run, batch: ExecutionBatch, views: InvocationView[]): object | undefined {
  const invocations = views.map(toInvocation);
  const finished =
    invocations.length === batch.spec.instanceIds.length &&
    invocations.every((i) => isTerminalInvocation(i.status));
  const wasUnreachable = Boolean(batch.status?.unreachableSince);
  const same = JSON.stringify(invocations) === JSON.stringify(batch.status?.invocations ?? []);
  if (same && !finished && !wasUnreachable) return undefined;
  return {
    invocations,
    ...(wasUnreachable ? { unreachableSince: null, reason: null, message: null } : {}),
    ...(finished ? { phase: 'Finished', finishedAt: run.now().toISOString() } : {}),
  };
}

async function observeBatch(
  run: Run,
  batch: ExecutionBatch,
  backoff: LocationBackoff,
): Promise<boolean> {
  const reach = locationReach(run, batch.spec.location ?? 0);
  if (!reach.ok) return unreachable(run, batch, reach.failure, backoff);
  run.deps.countPoll?.();
  const { provider, place } = reach.value;
  const recorded = new Map((batch.status?.invocations ?? []).map((i) => [i.instanceId, i.status]));
  const views = await provider.observe(
    place,
    batch.status!.commandId!,
    batch.spec.instanceIds,
    recorded,
  );
  if (!views.ok) return unreachable(run, batch, views.failure, backoff);
  backoff.clear(run.uid, batch.spec.location ?? 0);
  const fields = observed(run, batch, views.value);
  if (fields) await run.writeBatch(batch, fields);
  return fields !== undefined;
}

/** One poll round over every running command; true when something changed. */
export async function observeSent(run: Run, backoff: LocationBackoff): Promise<boolean> {
  const now = run.now().getTime();
  const sent = run
    .sorted()
    .filter(
      (b) =>
        b.status?.phase === 'Sent' &&
        b.status.commandId &&
        !backoff.waiting(run.uid, b.spec.location ?? 0, now),
    );
  const changed = await mapLimit(sent, run.deps.parallelism, (b) => observeBatch(run, b, backoff));
  crashPoint('after-observe');
  return changed.some(Boolean);
}

type CancelOutcome = 'cancelled' | 'retry' | { reason: string; message: string };

/** CancelCommand for one batch; a lasting refusal is recorded so it is not asked again. */
export async function cancelBatch(
  run: Run,
  batch: ExecutionBatch,
  backoff: LocationBackoff,
): Promise<CancelOutcome> {
  const reach = locationReach(run, batch.spec.location ?? 0);
  const answer = reach.ok
    ? await reach.value.provider.cancel(
        reach.value.place,
        batch.status!.commandId!,
        batch.spec.instanceIds,
      )
    : reach;
  if (answer.ok) {
    await run.writeBatch(batch, { cancelRequested: true });
    return 'cancelled';
  }
  locationFailed(run, batch, answer.failure, backoff);
  if (answer.failure.transient) return 'retry';
  const message = `CancelCommand failed: ${answer.failure.message}`.slice(0, 1024);
  await run.writeBatch(batch, { cancelRequested: true, reason: answer.failure.reason, message });
  return { reason: answer.failure.reason, message };
}

/** Commands sent and not yet finished, that no CancelCommand was asked for. */
export function cancellable(run: Run): ExecutionBatch[] {
  return run
    .sorted()
    .filter((b) => b.status?.phase === 'Sent' && b.status.commandId && !b.status.cancelRequested);
}

/** Cancels the commands in flight (once each) and marks what was never sent as cancelled. */
export async function cancelAll(
  run: Run,
  message: string,
  backoff: LocationBackoff,
): Promise<void> {
  const now = run.now().getTime();
  const toCancel = cancellable(run).filter(
    (b) => !backoff.waiting(run.uid, b.spec.location ?? 0, now),
  );
  await mapLimit(toCancel, run.deps.parallelism, (b) => cancelBatch(run, b, backoff));
  if (toCancel.length) crashPoint('after-cancel');
  await stopUnsent(run, 'Cancelled', message);
}
