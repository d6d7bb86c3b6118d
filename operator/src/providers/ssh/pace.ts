/**
 * A batch's own rate control on SSH hosts, as SSM applies MaxConcurrency and MaxErrors inside one
 * command: at most `concurrency` of its hosts run at once, the others wait staged on their host,
 * and once more than `maxErrors` of them failed the ones not yet started never start (SSM reports
 * them Terminated). The limits travel in the command id, so any process that follows the batch
 * applies the limits it was sent with; the decision is taken again at every poll from what the
 * hosts say and what the batch recorded, so there is nothing to lose in a crash.
 */
import { countsAsError, isTerminalInvocation, type BatchInvocation } from '@pcm-ops/crds';
import { absoluteCount } from '../../domain/rate.js';
import type { BatchKey, InvocationView, RenderedCommand } from '../../domain/provider.js';

export interface Pace {
  concurrency: number;
  maxErrors: number;
}

export interface Sent extends BatchKey, Pace {}

const COMMAND_PREFIX = 'ssh:';

export function commandIdOf(key: BatchKey, pace: Pace): string {
  return `${COMMAND_PREFIX}${key.executionUid}/${key.batchIndex}/${pace.concurrency}/${pace.maxErrors}`;
}

export function sentOf(commandId: string): Sent {
  const [uid = '', index = '0', concurrency, maxErrors] = commandId
    .slice(COMMAND_PREFIX.length)
    .split('/');
  const count = (text: string | undefined): number =>
    text !== undefined && /^\d+$/.test(text) ? Number(text) : Number.MAX_SAFE_INTEGER;
  return {
    executionUid: uid,
    batchIndex: Number(index),
    concurrency: count(concurrency),
    maxErrors: count(maxErrors),
  };
}

/** The limits a rendered command carries ("10", "10%", none), for a batch of `hosts`. */
export function paceOf(command: RenderedCommand, hosts: number): Pace {
  return {
    concurrency: absoluteCount(command.maxConcurrency, hosts, 'concurrency') ?? hosts,
    maxErrors: absoluteCount(command.maxErrors, hosts, 'errors') ?? hosts,
  };
}

/** What a host waiting for a slot reports. */
export const WAITING = 'WaitingForSlot';

export type Step = { launch: number[] } | { skip: number[] };

/**
 * What to do with the staged hosts (their indexes in `views`, in the batch's order) this poll.
 * Errors are counted on what the hosts say and on what the batch recorded, whichever says more: a
 * failed host that cannot be read this poll still counts. A host that cannot be read may be
 * running: it holds its slot.
 */
export function nextStep(
  pace: Pace,
  views: readonly InvocationView[],
  recorded: ReadonlyMap<string, BatchInvocation['status']>,
  staged: readonly number[],
): Step {
  const errors = views.filter(
    (view) =>
      countsAsError(view.status) || countsAsError(recorded.get(view.instanceId) ?? 'Pending'),
  ).length;
  if (errors > pace.maxErrors) return { skip: [...staged] };
  const running = views.filter(
    (view) => !isTerminalInvocation(view.status) && view.statusDetails !== WAITING,
  ).length;
  return { launch: staged.slice(0, Math.max(0, pace.concurrency - running)) };
}
