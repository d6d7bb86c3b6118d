/**
 * A host's run in the engine's words: what the host's record says (launcher.ts), or what this
 * process learnt when it could not reach the host, as an invocation status.
 */
import type { InvocationStatus, InvocationView } from '../../domain/provider.js';
import { SUDO_REFUSED, TIMED_OUT, type RunState } from './launcher.js';
import { WAITING } from './pace.js';

/** What the operator knows of a host without its record: it was never reached, or is unreachable. */
export interface HostOutcome {
  status: InvocationStatus;
  /** CamelCase, shown as the target's status detail (HostKeyChanged, ConnectTimeout, …). */
  details: string;
  message?: string;
}

const OUTPUT_HEAD = 2_500;

type Claimed = Extract<RunState, { state: 'running' | 'finished' | 'interrupted' }>;

function finished(state: Claimed): { status: InvocationStatus; details: string } {
  const code = state.exitStatus;
  if (code === 0) return { status: 'Success' as const, details: 'Success' };
  if (code === TIMED_OUT)
    return { status: 'ExecutionTimedOut' as const, details: 'ExecutionTimedOut' };
  if (code === SUDO_REFUSED && state.stderr.startsWith('sudo -n refused'))
    return { status: 'Failed' as const, details: 'SudoRefused' };
  if (state.cancelRequested && code !== undefined && code > 128)
    return { status: 'Cancelled' as const, details: 'Cancelled' };
  return { status: 'Failed' as const, details: 'Failed' };
}

/** When the run started and ended on the host, and the head of its stdout. */
function recorded(state: Claimed): {
  times: Pick<InvocationView, 'startedAt' | 'finishedAt'>;
  output: Pick<InvocationView, 'output' | 'outputTruncated'>;
} {
  return {
    times: {
      ...(state.startedAt ? { startedAt: state.startedAt } : {}),
      ...(state.finishedAt ? { finishedAt: state.finishedAt } : {}),
    },
    output: {
      output: state.stdout.slice(0, OUTPUT_HEAD),
      outputTruncated: state.stdoutTruncated || state.stdout.length > OUTPUT_HEAD,
    },
  };
}

/** A host where the run was never claimed to run: not staged, waiting, or kept from starting. */
function unclaimed(host: string, state: Exclude<RunState, Claimed>): InvocationView {
  if (state.state === 'absent')
    // the batch was sent and this host has no record of it: it never started there
    return { instanceId: host, status: 'Undeliverable', statusDetails: 'NotStarted' };
  if (state.state === 'staged')
    return { instanceId: host, status: 'Pending', statusDetails: WAITING };
  // as SSM reports the targets a command's MaxErrors kept from starting: Terminated
  const status = state.reason === 'Cancelled' ? 'Cancelled' : 'Terminated';
  return { instanceId: host, status, statusDetails: state.reason };
}

export function invocationOf(
  host: string,
  state: RunState | HostOutcome | undefined,
): InvocationView {
  if (!state || !('state' in state)) {
    const outcome = state ?? { status: 'InProgress' as const, details: 'Unreachable' };
    return { instanceId: host, status: outcome.status, statusDetails: outcome.details };
  }
  if (state.state === 'absent' || state.state === 'staged' || state.state === 'skipped')
    return unclaimed(host, state);
  const { times, output } = recorded(state);
  if (state.state === 'running')
    return {
      instanceId: host,
      status: 'InProgress',
      statusDetails: 'InProgress',
      ...times,
      ...output,
    };
  if (state.state === 'interrupted') {
    return {
      instanceId: host,
      status: 'Interrupted',
      statusDetails: 'ProcessEndedWithoutExitStatus',
      ...times,
      ...output,
    };
  }
  const { status, details } = finished(state);
  return {
    instanceId: host,
    status,
    statusDetails: details,
    ...(state.exitStatus !== undefined ? { exitCode: state.exitStatus } : {}),
    ...times,
    ...output,
  };
}
