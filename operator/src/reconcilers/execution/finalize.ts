/**
 * Deletion: the commands still running are cancelled, then the execution goes. A command that
 * cannot be cancelled (its credential deleted, access withdrawn) does not keep the execution, or
 * its namespace, from going: passing failures are retried for a bounded time, lasting ones not at
 * all, and an Event names every command left running.
 */
import { isTerminalPhase } from '@pcm-ops/crds';
import { mapLimit } from '../../domain/parallel.js';
import { FINALIZER } from '../../domain/store.js';
import type { WorkResult } from '../../queue.js';
import type { LocationBackoff } from './backoff.js';
import type { Run } from './context.js';
import { recoverSending } from './dispatch.js';
import { cancelBatch, cancellable } from './observe.js';

interface Left {
  what: string;
  why: string;
}

function describe(left: Left[]): string {
  const shown = left.slice(0, 10).map((l) => `${l.what}: ${l.why}`);
  const more = left.length > 10 ? `; and ${left.length - 10} more` : '';
  return `could not cancel ${left.length} command(s) before deletion, which may still run: ${shown.join('; ')}${more}`;
}

/** Cancels what can be cancelled; returns what was given up on, or undefined to try again. */
async function cancelForDeletion(
  run: Run,
  backoff: LocationBackoff,
  late: boolean,
): Promise<{ cancelled: number; left: Left[] } | undefined> {
  const wait = await recoverSending(run, backoff);
  const batches = cancellable(run);
  const outcomes = await mapLimit(batches, run.deps.parallelism, (b) =>
    cancelBatch(run, b, backoff),
  );
  const retry = outcomes.some((o) => o === 'retry') || wait !== undefined;
  if (retry && !late) return undefined;
  const left: Left[] = [];
  outcomes.forEach((outcome, at) => {
    if (outcome === 'cancelled') return;
    const { commandId, reason } = batches[at]!.status ?? {};
    const { accountId, region } = batches[at]!.spec;
    const why = outcome === 'retry' ? (reason ?? 'still failing') : outcome.reason;
    left.push({ what: `${commandId} in account ${accountId}, ${region}`, why });
  });
  for (const batch of run.sorted().filter((b) => b.status?.phase === 'Sending'))
    left.push({
      what: `batch ${batch.metadata.name}`,
      why: 'could not be looked up to tell whether it was sent',
    });
  return { cancelled: outcomes.filter((o) => o === 'cancelled').length, left };
}

/** Cancels what still runs; returns when to try again, or undefined once done or given up. */
async function cancelRunning(run: Run, backoff: LocationBackoff): Promise<number | undefined> {
  const deletedAt = new Date(run.se.metadata.deletionTimestamp ?? run.now()).getTime();
  const deadline = deletedAt + run.deps.timing.cancelGraceMs;
  const now = run.now().getTime();
  const result = await cancelForDeletion(run, backoff, now >= deadline);
  if (!result) {
    const retryIn = backoff.nextRetryIn(run.uid, now) ?? 1000;
    return Math.max(100, Math.min(retryIn, deadline - now));
  }
  const warning = result.left.length > 0;
  void run.deps.events.record(run.se, {
    type: warning ? 'Warning' : 'Normal',
    reason: warning ? 'CancelFailed' : 'Cancelled',
    message: warning
      ? describe(result.left)
      : `${result.cancelled} command(s) in flight cancelled before deletion`,
  });
  return undefined;
}

export async function finalize(run: Run, backoff: LocationBackoff): Promise<WorkResult> {
  const finalizers = run.se.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) return {};
  if (!isTerminalPhase(run.se.status?.phase)) {
    const retryIn = await cancelRunning(run, backoff);
    if (retryIn !== undefined) return { requeueAfterMs: retryIn };
  }
  await run.writeMetadata({ finalizers: finalizers.filter((f) => f !== FINALIZER) });
  backoff.forget(run.uid);
  return {};
}
