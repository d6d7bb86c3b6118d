import type { ExecutionBatch, Phase, ScriptExecution, ScriptExecutionStatus } from '@pcm-ops/crds';
import { crashPoint } from '../crash.js';
import { setConditions, type ConditionUpdate } from '../domain/conditions.js';
import {
  describeRun,
  finalPhase,
  isTerminalPhase,
  phaseConditions,
  summarize,
  type EndReason,
  type ExecutionSummary,
} from '../domain/execution-status.js';
import { absoluteCount, errorBudgetLeft, exceeded, nextSendAllowed } from '../domain/rate.js';
import { mapLimit } from '../domain/parallel.js';
import { renderCommand } from '../domain/render.js';
import { CHANGE_LABEL, changeLabelValue } from '../domain/labels.js';
import type { WorkResult } from '../queue.js';
import { FINALIZER, type ExecutionDeps } from './execution/deps.js';
import { prepare, type Prepared } from './execution/prepare.js';
import { resolveTargets, type ResolveOutcome } from './execution/resolve.js';
import {
  cancelAll,
  TransientStepError,
  observeSent,
  recoverSending,
  sendBatch,
  stopUnsent,
  type RunContext,
} from './execution/run.js';

const SKIPPED_SAMPLE_SIZE = 20;
/**
 * Steps one reconcile takes before it hands the key back to the queue: finalizer, plan (with the
 * start), send. Going on at once rather than requeueing keeps a new execution off the back of the
 * queue between its steps; the bound keeps a bug from spinning one worker.
 */
const STEPS_PER_RECONCILE = 4;

/**
 * Runs a ScriptExecution: resolve the targets into batches (recorded before anything is sent),
 * wait while suspended, then send batch after batch within the rate limits, poll every command
 * one page of 50 at a time, and fold the batches into the status. Level-triggered: each run reads
 * the execution and its batches and takes the next steps; a crash at any point loses nothing.
 */
export class ScriptExecutionReconciler {
  private readonly pollDelay = new Map<string, number>();

  constructor(private readonly deps: ExecutionDeps) {}

  async reconcile(namespace: string, name: string): Promise<WorkResult> {
    let result: WorkResult = {};
    for (let step = 0; step < STEPS_PER_RECONCILE; step++) {
      result = await this.step(namespace, name);
      if (result.requeueAfterMs !== 0) return result;
    }
    return result;
  }

  /** One step toward the desired state; `requeueAfterMs: 0` asks for the next step at once. */
  private async step(namespace: string, name: string): Promise<WorkResult> {
    const se = this.deps.store.execution(namespace, name);
    if (!se) return {};
    if (se.metadata.deletionTimestamp) return this.finalize(se);
    const metadata = metadataPatch(se);
    if (metadata) {
      await this.deps.store.patchExecution(se, { metadata });
      return { requeueAfterMs: 0 };
    }
    if (isTerminalPhase(se.status?.phase)) return this.expire(se);
    const prepared = prepare(se, this.deps.lookups);
    if (!prepared.ok) return this.hold(se, prepared.reason, prepared.message);
    return this.advance(se, prepared.value);
  }

  private async advance(se: ScriptExecution, prepared: Prepared): Promise<WorkResult> {
    const started = Boolean(se.status?.startTime);
    if (!started && se.status?.planGeneration !== se.metadata.generation)
      return this.plan(se, prepared);
    if (!started && se.spec.cancel) return this.run(se, prepared);
    if (!started && se.spec.suspend) return this.suspend(se);
    if (!started) {
      const fields = {
        phase: 'Running' as Phase,
        startTime: this.deps.now().toISOString(),
        scriptHash: prepared.hash,
      };
      await this.writeStatus(se, { fields, phase: 'Running', reason: 'Started' });
      crashPoint('after-start');
      return { requeueAfterMs: 0 };
    }
    return this.run(se, prepared);
  }

  private batchesOf(se: ScriptExecution): Map<string, ExecutionBatch> {
    const plan = se.status?.planGeneration ?? -1;
    const list = this.deps.store.batches(se.metadata.namespace!, se.metadata.name!, plan);
    return new Map(list.map((b) => [b.metadata.name!, b]));
  }

  /** Every planned target is in a batch this process can see (a fresh cache may lag behind). */
  private complete(se: ScriptExecution, batches: Map<string, ExecutionBatch>): boolean {
    const planned = (se.status?.counts?.total ?? 0) - (se.status?.counts?.skipped ?? 0);
    const seen = [...batches.values()].reduce((n, b) => n + b.spec.instanceIds.length, 0);
    return seen >= planned;
  }

  private async plan(se: ScriptExecution, prepared: Prepared): Promise<WorkResult> {
    const outcome = await resolveTargets(se, prepared.script, this.deps);
    if (outcome.kind === 'waiting')
      return this.hold(se, outcome.reason, outcome.message, 'CredentialsReady');
    if (outcome.kind === 'failed') {
      await this.hold(se, outcome.reason, outcome.message, 'TargetsResolved');
      if (outcome.transient) throw new TransientStepError(`resolving targets: ${outcome.message}`);
      return { requeueAfterMs: 60_000 };
    }
    await this.deps.store.deleteBatches(se);
    await mapLimit(outcome.batches, this.deps.parallelism, (b) => this.deps.store.createBatch(b));
    const status = plannedStatus(se, prepared, outcome, this.deps.now());
    await this.writeStatus(se, status);
    crashPoint('after-plan');
    if (status.phase === 'Running') crashPoint('after-start');
    return { requeueAfterMs: 0 };
  }

  private async suspend(se: ScriptExecution): Promise<WorkResult> {
    if (se.status?.phase !== 'Suspended') {
      const fields = {
        phase: 'Suspended' as Phase,
        message: 'waiting for spec.suspend to be set to false',
      };
      await this.writeStatus(se, { fields, phase: 'Suspended', reason: 'Suspended' });
    }
    return {};
  }

  /** Why this execution cannot go on: a condition with the reason, and no more work until a change. */
  private async hold(
    se: ScriptExecution,
    reason: string,
    message: string,
    conditionType = 'Ready',
  ): Promise<WorkResult> {
    const extra: ConditionUpdate[] = [
      { type: conditionType, status: 'False', reason, message },
      { type: 'Stalled', status: 'True', reason, message },
      { type: 'Reconciling', status: 'False', reason, message: '' },
    ];
    const phase = se.status?.phase ?? 'Pending';
    await this.writeStatus(se, {
      fields: { phase, message },
      phase,
      reason,
      extra,
      onlyExtra: true,
    });
    return {};
  }

  private endReason(se: ScriptExecution, batches: Map<string, ExecutionBatch>): EndReason {
    if (se.spec.cancel) return 'Cancelled';
    const deadline = se.spec.timeouts?.activeDeadlineSeconds;
    const started = new Date(se.status?.startTime ?? this.deps.now()).getTime();
    if (deadline && this.deps.now().getTime() - started > deadline * 1000)
      return 'DeadlineExceeded';
    if ([...batches.values()].some((b) => b.status?.phase === 'Skipped'))
      return 'MaxErrorsExceeded';
    return undefined;
  }

  private async run(se: ScriptExecution, prepared: Prepared): Promise<WorkResult> {
    const ctx: RunContext = { se, deps: this.deps, batches: this.batchesOf(se) };
    if (!this.complete(se, ctx.batches)) return { requeueAfterMs: 250 };
    await recoverSending(ctx);
    const moved = await observeSent(ctx);
    const skipped = se.status?.counts?.skipped ?? 0;
    const ended = await this.stopOrDispatch(
      ctx,
      prepared,
      summarize([...ctx.batches.values()], skipped),
    );
    const summary = summarize([...ctx.batches.values()], skipped);
    if (summary.finished) return this.finish(se, summary, ended);
    await this.writeRunning(se, summary);
    return { requeueAfterMs: this.nextPoll(se, moved) };
  }

  /** Cancels, stops or sends more, and says why the run is ending, if it is. */
  private async stopOrDispatch(
    ctx: RunContext,
    prepared: Prepared,
    summary: ExecutionSummary,
  ): Promise<EndReason> {
    const ended = this.endReason(ctx.se, ctx.batches);
    if (ended === 'Cancelled' || ended === 'DeadlineExceeded') {
      const why =
        ended === 'Cancelled'
          ? 'cancelled by spec.cancel'
          : 'spec.timeouts.activeDeadlineSeconds passed';
      await cancelAll(ctx, why);
      return ended;
    }
    if (exceeded(this.maxErrors(ctx.se, prepared, summary), summary.errors)) {
      await stopUnsent(
        ctx,
        'Skipped',
        'not sent: more than spec.rateControl.maxErrors targets failed',
      );
      return 'MaxErrorsExceeded';
    }
    if (ctx.se.status?.scriptHash && ctx.se.status.scriptHash !== prepared.hash) {
      await stopUnsent(ctx, 'Skipped', 'not sent: the Script changed after the run started');
      return 'MaxErrorsExceeded';
    }
    await this.dispatch(ctx, prepared, summary);
    return ended;
  }

  private rate(
    se: ScriptExecution,
    prepared: Prepared,
  ): { maxConcurrency?: number | string; maxErrors?: number | string } {
    return se.spec.rateControl ?? prepared.script.rateControl ?? {};
  }

  private maxErrors(
    se: ScriptExecution,
    prepared: Prepared,
    summary: ExecutionSummary,
  ): number | undefined {
    const planned = summary.counts.total - (summary.counts.skipped ?? 0);
    return absoluteCount(this.rate(se, prepared).maxErrors, planned, 'errors');
  }

  private async dispatch(
    ctx: RunContext,
    prepared: Prepared,
    summary: ExecutionSummary,
  ): Promise<void> {
    const planned = summary.counts.total - (summary.counts.skipped ?? 0);
    const limit = absoluteCount(this.rate(ctx.se, prepared).maxConcurrency, planned, 'concurrency');
    const maxErrors = this.maxErrors(ctx.se, prepared, summary);
    const timeouts = ctx.se.spec.timeouts ?? prepared.script.timeouts ?? {};
    let inFlight = summary.inFlight;
    const waiting = [...ctx.batches.values()]
      .filter((b) => !b.status?.phase || b.status.phase === 'Planned')
      .sort((a, b) => a.spec.index - b.spec.index);
    for (const batch of waiting) {
      const size = batch.spec.instanceIds.length;
      if (
        limit !== undefined &&
        !nextSendAllowed({ maxConcurrency: limit, inFlight, batchSize: size })
      )
        break;
      const command = renderCommand(prepared.script, prepared.values, {
        deliveryTimeoutSeconds: timeouts.deliverySeconds,
        executionTimeoutSeconds: timeouts.executionSeconds,
        maxConcurrency: limit === undefined ? '100%' : String(Math.min(limit, size)),
        maxErrors:
          maxErrors === undefined ? '100%' : String(errorBudgetLeft(maxErrors, summary.errors)),
      });
      await sendBatch(ctx, batch, command);
      inFlight += size;
    }
  }

  private nextPoll(se: ScriptExecution, moved: boolean): number {
    const key = se.metadata.uid!;
    const { min, max } = this.deps.pollMs;
    const next = moved ? min : Math.min(max, Math.round((this.pollDelay.get(key) ?? min) * 1.5));
    this.pollDelay.set(key, next);
    return next;
  }

  private async writeRunning(se: ScriptExecution, summary: ExecutionSummary): Promise<void> {
    const status = {
      phase: 'Running' as Phase,
      counts: summary.counts,
      progress: summary.progress,
      accounts: summary.accounts,
      failedSample: summary.failedSample,
      truncatedOutputs: summary.truncatedOutputs,
      message: describeRun(summary),
    };
    await this.writeStatus(se, { fields: status, phase: 'Running', reason: 'Running' });
  }

  private async finish(
    se: ScriptExecution,
    summary: ExecutionSummary,
    ended: EndReason,
  ): Promise<WorkResult> {
    const phase = finalPhase(summary.counts, ended);
    const reason = ended ?? phase;
    this.pollDelay.delete(se.metadata.uid!);
    await this.writeStatus(se, {
      phase,
      reason,
      fields: {
        phase,
        counts: summary.counts,
        progress: summary.progress,
        accounts: summary.accounts,
        failedSample: summary.failedSample,
        truncatedOutputs: summary.truncatedOutputs,
        completionTime: this.deps.now().toISOString(),
        message: describeRun(summary),
      },
    });
    return se.spec.ttlSecondsAfterFinished === undefined
      ? {}
      : { requeueAfterMs: se.spec.ttlSecondsAfterFinished * 1000 };
  }

  /**
   * A finished execution whose spec was edited afterwards (only the fields still mutable, such as
   * its TTL): the outcome stands, so record that this generation has been seen, which is what
   * kstatus (Flux) and `kubectl wait` compare.
   */
  private async observeFinished(se: ScriptExecution): Promise<void> {
    const generation = se.metadata.generation ?? 0;
    const status = se.status;
    if (!status || (status.observedGeneration ?? 0) >= generation) return;
    const conditions = (status.conditions ?? []).map((c) => ({
      ...c,
      observedGeneration: generation,
    }));
    await this.deps.store.patchExecutionStatus(se, { observedGeneration: generation, conditions });
  }

  /** Deletes a finished execution once its TTL has passed. */
  private async expire(se: ScriptExecution): Promise<WorkResult> {
    await this.observeFinished(se);
    const ttl = se.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || !se.status?.completionTime) return {};
    const due =
      new Date(se.status.completionTime).getTime() + ttl * 1000 - this.deps.now().getTime();
    if (due > 0) return { requeueAfterMs: due };
    await this.deps.store.deleteExecution(se);
    return {};
  }

  /** Deletion: cancel whatever is still running, then let the execution and its batches go. */
  private async finalize(se: ScriptExecution): Promise<WorkResult> {
    if (!se.metadata.finalizers?.includes(FINALIZER)) return {};
    if (!isTerminalPhase(se.status?.phase)) {
      const ctx: RunContext = { se, deps: this.deps, batches: this.batchesOf(se) };
      await recoverSending(ctx);
      await cancelAll(ctx, 'cancelled because the execution was deleted');
      await this.deps.events.record(se, {
        type: 'Normal',
        reason: 'Cancelled',
        message: 'commands in flight cancelled before deletion',
      });
    }
    await this.deps.store.patchExecution(se, {
      metadata: { finalizers: (se.metadata.finalizers ?? []).filter((f) => f !== FINALIZER) },
    });
    this.pollDelay.delete(se.metadata.uid!);
    return {};
  }

  private async writeStatus(se: ScriptExecution, update: StatusUpdate): Promise<void> {
    const message = update.fields.message ?? se.status?.message ?? '';
    const at = { generation: se.metadata.generation ?? 0, now: this.deps.now() };
    const conditions = setConditions(se.status?.conditions, conditionsFor(update, message), at);
    const next = { ...update.fields, observedGeneration: at.generation, conditions };
    if (!statusChanged(se.status, next)) return;
    await this.deps.store.patchExecutionStatus(se, next);
    if (se.status?.phase !== update.phase) this.announce(se, update.phase, update.reason, message);
  }

  /**
   * Records the transition as an Event without waiting for it: an Event is a report, not state,
   * and the next step (a send, most of the time) should not wait behind it.
   */
  private announce(se: ScriptExecution, phase: Phase, reason: string, message: string): void {
    const warning = phase === 'Failed' || phase === 'TimedOut' || phase === 'PartiallySucceeded';
    void this.deps.events.record(se, {
      type: warning ? 'Warning' : 'Normal',
      reason,
      message: `${phase}: ${message}`.slice(0, 1000),
    });
  }
}

/** The finalizer that cancels commands on deletion, and the change label for history filters. */
function metadataPatch(se: ScriptExecution): object | undefined {
  const patch: { finalizers?: string[]; labels?: Record<string, string> } = {};
  if (!se.metadata.finalizers?.includes(FINALIZER)) {
    patch.finalizers = [...(se.metadata.finalizers ?? []), FINALIZER];
  }
  const change = changeLabelValue(se.spec.changeRef);
  if (change && se.metadata.labels?.[CHANGE_LABEL] !== change)
    patch.labels = { [CHANGE_LABEL]: change };
  return Object.keys(patch).length ? patch : undefined;
}

interface StatusUpdate {
  fields: Partial<ScriptExecutionStatus>;
  phase: Phase;
  reason: string;
  extra?: ConditionUpdate[];
  /** Set only the extra conditions, leaving the phase's conditions as they are. */
  onlyExtra?: boolean;
}

function conditionsFor(update: StatusUpdate, message: string): ConditionUpdate[] {
  const phaseUpdates = update.onlyExtra
    ? []
    : phaseConditions(update.phase, update.reason, message);
  return [...phaseUpdates, ...(update.extra ?? [])];
}

function withoutTimes(status: Partial<ScriptExecutionStatus> | undefined): string {
  const conditions = (status?.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: '' }));
  return JSON.stringify({ ...status, conditions });
}

function statusChanged(
  before: ScriptExecutionStatus | undefined,
  next: Partial<ScriptExecutionStatus>,
): boolean {
  return withoutTimes(before) !== withoutTimes({ ...before, ...next });
}

function plannedStatus(
  se: ScriptExecution,
  prepared: Prepared,
  outcome: Extract<ResolveOutcome, { kind: 'planned' }>,
  now: Date,
): StatusUpdate {
  const total = outcome.batches.reduce((n, b) => n + b.spec.instanceIds.length, 0);
  const skipped = outcome.skipped.length;
  const message = `${total} targets in ${outcome.batches.length} batches across ${outcome.locations} account-regions, ${skipped} skipped`;
  const phase = plannedPhase(se, total);
  const started = phase === 'Running';
  return {
    fields: {
      phase,
      ...(started ? { startTime: now.toISOString() } : {}),
      planGeneration: se.metadata.generation,
      counts: { total: total + skipped, skipped, pending: total },
      progress: `0/${total}`,
      skippedSample: outcome.skipped.slice(0, SKIPPED_SAMPLE_SIZE),
      scriptHash: prepared.hash,
      message: total === 0 ? 'no target matched: nothing to run' : message,
      ...(total === 0 ? { completionTime: now.toISOString() } : {}),
    },
    phase,
    reason: total === 0 ? 'NoTargets' : started ? 'Started' : 'TargetsResolved',
    extra: [
      { type: 'TargetsResolved', status: 'True', reason: 'TargetsResolved', message },
      { type: 'CredentialsReady', status: 'True', reason: 'CredentialsReady', message: '' },
    ],
  };
}

/**
 * The phase a fresh plan leaves the execution in. One that can go ahead is marked Running (with its
 * start time) in the same write that records the plan, so nothing is sent before both are stored.
 */
function plannedPhase(se: ScriptExecution, total: number): Phase {
  if (total === 0) return 'Failed';
  if (se.spec.suspend) return 'Suspended';
  if (se.spec.cancel) return 'Pending';
  return 'Running';
}
