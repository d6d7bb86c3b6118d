// AWS calls as the emulator counted them, folded by operation.
import type { EmulatorControl } from '../infra/emulator.js';

/** Calls by operation name (ListCommandInvocations, AssumeRole, …) */
export type CallsByOperation = Record<string, number>;

export async function callsByOperation(control: EmulatorControl): Promise<CallsByOperation> {
  const byOperation: CallsByOperation = {};
  for (const row of await control.callCounts()) {
    byOperation[row.operation] = (byOperation[row.operation] ?? 0) + row.count;
  }
  return byOperation;
}

export function totalCalls(calls: CallsByOperation): number {
  return Object.values(calls).reduce((total, n) => total + n, 0);
}

const COMMENT = /^pcm-ops ([0-9a-f-]+)\/\d+$/;

/** The execution uid in a command's comment (`pcm-ops <uid>/<batch>`), if it has one. */
export function executionUidOf(comment: string): string | undefined {
  return COMMENT.exec(comment)?.[1];
}

/** When the emulator received an execution's first and last SendCommand (epoch ms). */
export async function sendWindow(
  control: EmulatorControl,
  executionUid: string,
): Promise<{ first: number; last: number; count: number }> {
  const times = (await control.sentCommands())
    .filter((c) => executionUidOf(c.comment) === executionUid)
    .map((c) => Date.parse(c.requestedAt));
  if (times.length === 0) throw new Error(`no SendCommand for execution ${executionUid}`);
  return { first: Math.min(...times), last: Math.max(...times), count: times.length };
}
