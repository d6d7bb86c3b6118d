/**
 * One round of sending: the batches that fit under the execution-wide concurrency limit, in plan
 * order, each location on its own (a location that fails or backs off holds up no other).
 */
import type { ExecutionBatch } from '@pcm-ops/crds';
import type { ExecutionSummary } from '../../domain/execution-status.js';
import { mapLimit } from '../../domain/parallel.js';
import { absoluteCount, errorBudgetLeft, nextSendAllowed } from '../../domain/rate.js';
import { renderCommand } from '../../domain/render.js';
import type { RenderedCommand } from '../../domain/provider.js';
import type { LocationBackoff } from './backoff.js';
import type { Run } from './context.js';
import { sendBatch, sendFailed } from './dispatch.js';
import { prepareResolved, type Prepared } from './prepare.js';

interface Limits {
  concurrency: number | undefined;
  maxErrors: number | undefined;
}

function limitsOf(run: Run, prepared: Prepared, summary: ExecutionSummary): Limits {
  const planned = summary.counts.total - (summary.counts.skipped ?? 0);
  const rate = run.se.spec.rateControl ?? prepared.script.rateControl ?? {};
  return {
    concurrency: absoluteCount(rate.maxConcurrency, planned, 'concurrency'),
    maxErrors: absoluteCount(rate.maxErrors, planned, 'errors'),
  };
}

function unsent(run: Run): ExecutionBatch[] {
  return run.sorted().filter((b) => !b.status?.phase || b.status.phase === 'Planned');
}

/** The unsent batches that may go now, in plan order. */
function chosen(
  run: Run,
  summary: ExecutionSummary,
  limits: Limits,
  backoff: LocationBackoff,
): ExecutionBatch[] {
  const now = run.now().getTime();
  let inFlight = summary.inFlight;
  const picked: ExecutionBatch[] = [];
  for (const batch of unsent(run)) {
    if (backoff.waiting(run.uid, batch.spec.location ?? 0, now)) continue;
    const batchSize = batch.spec.instanceIds.length;
    const { concurrency } = limits;
    if (
      concurrency !== undefined &&
      !nextSendAllowed({ maxConcurrency: concurrency, inFlight, batchSize })
    )
      break;
    picked.push(batch);
    inFlight += batchSize;
  }
  return picked;
}

function byLocation(batches: ExecutionBatch[]): ExecutionBatch[][] {
  const groups = new Map<number, ExecutionBatch[]>();
  for (const batch of batches) {
    const at = batch.spec.location ?? 0;
    groups.set(at, [...(groups.get(at) ?? []), batch]);
  }
  return [...groups.values()];
}

function commandFor(
  run: Run,
  prepared: Prepared,
  batch: ExecutionBatch,
  context: { limits: Limits; errors: number },
): RenderedCommand {
  const { limits, errors } = context;
  const timeouts = run.se.spec.timeouts ?? prepared.script.timeouts ?? {};
  const size = batch.spec.instanceIds.length;
  return renderCommand(prepared.script, prepared.values, {
    deliveryTimeoutSeconds: timeouts.deliverySeconds,
    executionTimeoutSeconds: timeouts.executionSeconds,
    maxConcurrency:
      limits.concurrency === undefined ? '100%' : String(Math.min(limits.concurrency, size)),
    maxErrors:
      limits.maxErrors === undefined ? '100%' : String(errorBudgetLeft(limits.maxErrors, errors)),
  });
}

/**
 * The run can no longer render its script (a Secret it was resolved with changed or went): the
 * batches not yet sent end SendFailed with that reason; the ones running are still followed.
 */
async function cannotSend(run: Run, failure: { reason: string; message: string }): Promise<void> {
  await mapLimit(unsent(run), run.deps.parallelism, (b) =>
    sendFailed(run, b, { ...failure, transient: false }),
  );
}

export async function dispatch(
  run: Run,
  summary: ExecutionSummary,
  backoff: LocationBackoff,
): Promise<void> {
  if (unsent(run).length === 0) return;
  const prepared = await prepareResolved(run.se, run.deps);
  if (!prepared.ok) return cannotSend(run, prepared);
  const limits = limitsOf(run, prepared.value, summary);
  const context = { limits, errors: summary.errors };
  const groups = byLocation(chosen(run, summary, limits, backoff));
  await mapLimit(groups, run.deps.parallelism, async (group) => {
    for (const batch of group) {
      const command = commandFor(run, prepared.value, batch, context);
      if ((await sendBatch(run, batch, command, backoff)) !== 'sent') return;
    }
  });
}
