import type { Phase, ScriptExecutionStatus } from '@pcm-ops/crds';
import { setConditions, type ConditionUpdate } from '../../domain/conditions.js';
import { phaseConditions } from '../../domain/execution-status.js';
import type { Run } from './context.js';

export interface StatusUpdate {
  fields: Partial<ScriptExecutionStatus>;
  phase: Phase;
  /** status.reason and the reason of the phase's conditions. */
  reason: string;
  extra?: ConditionUpdate[];
  /** Set only the extra conditions, leaving the phase's conditions as they are. */
  onlyExtra?: boolean;
  /** Record the write as a Warning Event even without a change of phase. */
  warn?: boolean;
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

const WARNING_PHASES = new Set<Phase>(['Failed', 'TimedOut', 'PartiallySucceeded']);

/**
 * Writes the status (when it says something new) and records a change of phase, or a problem,
 * as an Event without waiting for it: an Event is a report, not state, and the next step (a send,
 * most of the time) should not wait behind it.
 */
export async function writeStatus(run: Run, update: StatusUpdate): Promise<void> {
  const phaseBefore = run.se.status?.phase;
  const reasonBefore = run.se.status?.reason;
  let message = '';
  await run.updateStatus((se) => {
    message = update.fields.message ?? se.status?.message ?? '';
    const at = { generation: se.metadata.generation ?? 0, now: run.now() };
    const conditions = setConditions(se.status?.conditions, conditionsFor(update, message), at);
    const next = {
      ...update.fields,
      reason: update.reason,
      observedGeneration: at.generation,
      conditions,
    };
    return statusChanged(se.status, next) ? next : undefined;
  });
  const moved = phaseBefore !== update.phase;
  if (!moved && !(update.warn && reasonBefore !== update.reason)) return;
  const warning = update.warn || WARNING_PHASES.has(update.phase);
  void run.deps.events.record(run.se, {
    type: warning ? 'Warning' : 'Normal',
    reason: update.reason,
    message: `${update.phase}: ${message}`.slice(0, 1000),
  });
}

/**
 * Why this execution cannot go on: its phase stays, a condition names the reason, a Warning
 * Event says it once, and nothing more happens until something changes.
 */
export async function hold(
  run: Run,
  why: { reason: string; message: string },
  conditionType = 'Ready',
): Promise<void> {
  const { reason, message } = why;
  const phase = run.se.status?.phase ?? 'Pending';
  await writeStatus(run, {
    fields: { phase, message },
    phase,
    reason,
    warn: true,
    onlyExtra: true,
    extra: [
      { type: conditionType, status: 'False', reason, message },
      { type: 'Stalled', status: 'True', reason, message },
      { type: 'Reconciling', status: 'False', reason, message: '' },
    ],
  });
}
