import { isTerminalPhase, type Phase, type ScriptExecution } from '@pcm-ops/crds';
import { crashPoint } from '../crash.js';
import {
  describeRun,
  finalPhase,
  summarize,
  unresolvedLocations,
  type EndReason,
  type ExecutionSummary,
} from '../domain/execution-status.js';
import { CHANGE_LABEL, changeLabelValue } from '../domain/labels.js';
import { absoluteCount, exceeded } from '../domain/rate.js';
import { ConflictError, FINALIZER } from '../domain/store.js';
import type { WorkResult } from '../queue.js';
import { LocationBackoff } from './execution/backoff.js';
import { Run } from './execution/context.js';
import type { ExecutionDeps } from './execution/deps.js';
import { dispatch } from './execution/send-round.js';
import { recoverSending, stopUnsent } from './execution/dispatch.js';
import { finalize } from './execution/finalize.js';
import { freeze } from './execution/freeze.js';
import { cancelAll, observeSent } from './execution/observe.js';
import { lookUpEarly, resolveLocations } from './execution/resolve.js';
import { writeStatus } from './execution/status.js';

/** Ask for the next step at once. */
const NEXT: WorkResult = { requeueAfterMs: 0 };
/**
 * Steps one reconcile takes before it hands the key back to the queue: finalizer, freeze, plan,
 * start, send. Going on at once keeps a new execution off the back of the queue between its
 * steps; the bound keeps a bug from spinning one worker.
 */
const STEPS_PER_RECONCILE = 6;

/**
 * Runs a ScriptExecution. Pending: check what it needs, then freeze it (Resolving). Resolving:
 * each location finds and plans its targets. Then, unless suspended, send batch after batch
 * within the rate limits, poll every command one page of 50 at a time, and fold the batches into
 * the status. Level-triggered and crash-safe: each step reads the execution and its batches
 * (never older than this process's own writes), takes the next step with writes conditional on
 * what it read, and a step that loses a race starts over from a fresh read.
 */
export class ScriptExecutionReconciler {
  private readonly pollDelay = new Map<string, number>();
  private readonly backoff: LocationBackoff;

  constructor(private readonly deps: ExecutionDeps) {
    this.backoff = new LocationBackoff(deps.timing.backoffMs);
  }

  /**
   * Steps on, one after the other, with the copies the previous step's writes returned: each of
   * those is the stored object as of that write, and every write is conditional, so nothing is
   * decided on an older copy. A lost race drops them and reads afresh.
   */
  async reconcile(namespace: string, name: string): Promise<WorkResult> {
    let result: WorkResult = {};
    let run: Run | undefined;
    for (let step = 0; step < STEPS_PER_RECONCILE; step++) {
      run ??= await this.read(namespace, name);
      if (!run) return {};
      try {
        result = await this.step(run);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        this.deps.log.debug({ namespace, name, err: error.message }, 'lost a race; reading again');
        run = undefined;
        result = NEXT;
      }
      if (result.requeueAfterMs !== 0) return result;
    }
    return result;
  }

  /** Entries kept per execution (for the memory test). */
  get remembered(): number {
    return this.pollDelay.size + this.backoff.size;
  }

  private async read(namespace: string, name: string): Promise<Run | undefined> {
    const snapshot = await this.deps.store.read(namespace, name);
    return snapshot && new Run(snapshot, this.deps);
  }

  private async step(run: Run): Promise<WorkResult> {
    if (run.se.metadata.deletionTimestamp) return this.deleted(run);
    const phase = run.se.status?.phase ?? 'Pending';
    if (phase === 'Pending' && !run.se.spec.cancel) lookUpEarly(run);
    const metadata = metadataPatch(run.se);
    if (metadata) {
      await run.writeMetadata({ ...metadata });
      return NEXT;
    }
    if (isTerminalPhase(phase)) return this.expire(run);
    if (phase === 'Pending') return this.pending(run);
    if (phase === 'Resolving') return this.resolving(run);
    return this.advance(run);
  }

  private async deleted(run: Run): Promise<WorkResult> {
    const result = await finalize(run, this.backoff);
    if (result.requeueAfterMs === undefined) this.forget(run.uid);
    return result;
  }

  private forget(uid: string): void {
    this.pollDelay.delete(uid);
    this.backoff.forget(uid);
  }

  private async pending(run: Run): Promise<WorkResult> {
    if (run.se.spec.cancel) return this.finish(run, summarize([], run.rows), 'Cancelled');
    return (await freeze(run)) === 'frozen' ? NEXT : {};
  }

  private async resolving(run: Run): Promise<WorkResult> {
    if (run.se.spec.cancel) return this.stop(run, 'Cancelled', 'cancelled by spec.cancel');
    const done = await resolveLocations(run, this.backoff);
    if (!done) {
      const wait = this.backoff.nextRetryIn(run.uid, run.now().getTime());
      return { requeueAfterMs: wait ?? 0 };
    }
    return this.planned(run);
  }

  /** Every location is resolved: the run starts, waits for approval, or has nothing to do. */
  private async planned(run: Run): Promise<WorkResult> {
    const summary = summarize(run.sorted(), run.rows);
    const planned = summary.counts.total - (summary.counts.skipped ?? 0);
    const resolvedMessage = `${planned} targets in ${run.batches.size} batches across ${run.rows.length} account-regions, ${summary.counts.skipped ?? 0} skipped`;
    if (planned === 0) return this.finish(run, summary, undefined, 'NoTargets');
    const suspended = run.se.spec.suspend;
    const phase: Phase = suspended ? 'Suspended' : 'Running';
    await writeStatus(run, {
      phase,
      reason: suspended ? 'Suspended' : 'Started',
      fields: {
        ...statusFields(summary),
        phase,
        message: suspended
          ? `${resolvedMessage}; waiting for spec.suspend to be set to false`
          : resolvedMessage,
        ...(suspended ? {} : { startTime: run.now().toISOString() }),
      },
      extra: [
        {
          type: 'TargetsResolved',
          status: 'True',
          reason: 'TargetsResolved',
          message: resolvedMessage,
        },
      ],
    });
    crashPoint('after-plan');
    if (!suspended) crashPoint('after-start');
    return suspended ? {} : NEXT;
  }

  private endReason(run: Run): EndReason {
    const se = run.se;
    if (se.spec.cancel) return 'Cancelled';
    const deadline = se.spec.timeouts?.activeDeadlineSeconds;
    const started = se.status?.startTime;
    if (deadline && started && run.now().getTime() - new Date(started).getTime() > deadline * 1000)
      return 'DeadlineExceeded';
    return undefined;
  }

  /** Ends a run that is being resolved, or never started: nothing was sent. */
  private async stop(run: Run, ended: EndReason, why: string): Promise<WorkResult> {
    await stopUnsent(run, 'Cancelled', why);
    return this.finish(run, summarize(run.sorted(), run.rows), ended);
  }

  private async advance(run: Run): Promise<WorkResult> {
    const started = Boolean(run.se.status?.startTime);
    const ended = this.endReason(run);
    if (!started && ended) return this.stop(run, ended, 'cancelled by spec.cancel');
    if (!started) return this.start(run);
    const settleIn = await recoverSending(run, this.backoff);
    const moved = await observeSent(run, this.backoff);
    const stopped = await this.stopOrDispatch(run, ended);
    const summary = summarize(run.sorted(), run.rows, this.backoff.problems(run.uid));
    if (summary.finished) return this.finish(run, summary, stopped);
    await this.writeProgress(run, summary);
    const poll = this.nextPoll(run.uid, moved);
    return { requeueAfterMs: Math.min(poll, settleIn ?? poll, this.retryIn(run) ?? poll) };
  }

  private retryIn(run: Run): number | undefined {
    return this.backoff.nextRetryIn(run.uid, run.now().getTime());
  }

  /** A run resolved while suspended starts once spec.suspend is false. */
  private async start(run: Run): Promise<WorkResult> {
    if (run.se.spec.suspend) return {};
    const summary = summarize(run.sorted(), run.rows);
    await writeStatus(run, {
      phase: 'Running',
      reason: 'Started',
      fields: { ...statusFields(summary), phase: 'Running', startTime: run.now().toISOString() },
    });
    crashPoint('after-start');
    return NEXT;
  }

  /** Cancels, stops or sends more, and says why the run is ending, if it is. */
  private async stopOrDispatch(run: Run, ended: EndReason): Promise<EndReason> {
    if (ended === 'Cancelled' || ended === 'DeadlineExceeded') {
      const why =
        ended === 'Cancelled'
          ? 'cancelled by spec.cancel'
          : 'spec.timeouts.activeDeadlineSeconds passed';
      await cancelAll(run, why, this.backoff);
      return ended;
    }
    const summary = summarize(run.sorted(), run.rows);
    if (tooManyErrors(run, summary)) {
      await stopUnsent(
        run,
        'Skipped',
        'not sent: more than spec.rateControl.maxErrors targets failed',
      );
      return 'MaxErrorsExceeded';
    }
    if (!run.se.spec.suspend) await dispatch(run, summary, this.backoff);
    return undefined;
  }

  private async writeProgress(run: Run, summary: ExecutionSummary): Promise<void> {
    const paused = run.se.spec.suspend;
    const problem = summary.accounts.find((row) => row.reason);
    const phase: Phase = paused ? 'Suspended' : 'Running';
    const reason = paused ? 'Paused' : (problem?.reason ?? 'Running');
    const message = paused
      ? `paused by spec.suspend: commands in flight go on, no new batch starts; ${describeRun(summary)}`
      : describeRun(summary);
    await writeStatus(run, {
      phase,
      reason,
      warn: Boolean(problem) && !paused,
      fields: { ...statusFields(summary), phase, message },
    });
  }

  private async finish(
    run: Run,
    summary: ExecutionSummary,
    ended: EndReason,
    why?: string,
  ): Promise<WorkResult> {
    const rows = summary.accounts.map((row) =>
      row.state === 'Resolving' ? { ...row, state: 'Cancelled' as const } : row,
    );
    const phase = finalPhase(summary.counts, ended, unresolvedLocations(rows));
    const reason = why ?? ended ?? phase;
    this.forget(run.uid);
    const message = why === 'NoTargets' ? noTargetsMessage(rows) : describeRun(summary);
    await writeStatus(run, {
      phase,
      reason,
      fields: {
        ...statusFields({ ...summary, accounts: rows }),
        phase,
        completionTime: run.now().toISOString(),
        message,
      },
    });
    const ttl = run.se.spec.ttlSecondsAfterFinished;
    return ttl === undefined ? {} : { requeueAfterMs: ttl * 1000 };
  }

  private nextPoll(uid: string, moved: boolean): number {
    const { min, max } = this.deps.pollMs;
    const next = moved ? min : Math.min(max, Math.round((this.pollDelay.get(uid) ?? min) * 1.5));
    this.pollDelay.set(uid, next);
    return next;
  }

  /**
   * A finished execution whose spec was edited afterwards (only the fields still mutable, such as
   * its TTL): the outcome stands, so record that this generation has been seen, which is what
   * kstatus (Flux) and `kubectl wait` compare.
   */
  private async observeFinished(run: Run): Promise<void> {
    await run.updateStatus((se) => {
      const generation = se.metadata.generation ?? 0;
      const status = se.status;
      if (!status || (status.observedGeneration ?? 0) >= generation) return undefined;
      const conditions = (status.conditions ?? []).map((c) => ({
        ...c,
        observedGeneration: generation,
      }));
      return { observedGeneration: generation, conditions };
    });
  }

  /** Deletes a finished execution once its TTL has passed. */
  private async expire(run: Run): Promise<WorkResult> {
    await this.observeFinished(run);
    const ttl = run.se.spec.ttlSecondsAfterFinished;
    const completed = run.se.status?.completionTime;
    if (ttl === undefined || !completed) return {};
    const due = new Date(completed).getTime() + ttl * 1000 - run.now().getTime();
    if (due > 0) return { requeueAfterMs: due };
    await this.deps.store.deleteExecution(run.se);
    return {};
  }
}

/** More targets failed than spec.rateControl.maxErrors allows (or a step already said so). */
function tooManyErrors(run: Run, summary: ExecutionSummary): boolean {
  if (run.sorted().some((b) => b.status?.phase === 'Skipped')) return true;
  const planned = summary.counts.total - (summary.counts.skipped ?? 0);
  const rate = run.se.spec.rateControl ?? run.se.status?.resolution?.script.rateControl ?? {};
  return exceeded(absoluteCount(rate.maxErrors, planned, 'errors'), summary.errors);
}

function statusFields(summary: ExecutionSummary): Partial<NonNullable<ScriptExecution['status']>> {
  return {
    counts: summary.counts,
    progress: summary.progress,
    accounts: summary.accounts,
    failedSample: summary.failedSample,
    truncatedOutputs: summary.truncatedOutputs,
  };
}

function noTargetsMessage(rows: ReturnType<typeof summarize>['accounts']): string {
  const failed = rows.filter((row) => row.state === 'Failed');
  if (!failed.length) return 'no target matched: nothing to run';
  const first = failed[0]!;
  return `no target could be resolved: ${failed.length} account-region(s) failed, the first (${first.accountId}, ${first.region}) with ${first.reason}: ${first.message}`;
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
