// When is a run over, and when is one target of it: every phase and every invocation status
// through what the operator does with it and what the console shows for it.
import {
  INVOCATION_STATUSES,
  isTerminalInvocation,
  PHASES,
  type ExecutionBatch,
  type Phase,
  type BatchInvocation,
} from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import { actionBlockers } from '../../console/app/lib/executions/blockers.js';
import { isTerminal } from '../../console/app/lib/executions/executions.js';
import { RERUNNABLE } from '../../console/app/lib/executions/rerun.js';
import { phaseConditions, summarize } from '../../operator/src/domain/execution-status.js';
import { invocationStatus } from '../../operator/src/providers/aws/ssm-status.js';

const TERMINAL: Record<Phase, boolean> = {
  Pending: false,
  Resolving: false,
  Suspended: false,
  Running: false,
  Succeeded: true,
  PartiallySucceeded: true,
  Failed: true,
  Cancelled: true,
  TimedOut: true,
};

/** The operator: a finished run is Complete or Failed, and no longer Reconciling. */
function operatorFinished(phase: Phase): boolean {
  const conditions = new Map(phaseConditions(phase, 'Reason', 'message').map((c) => [c.type, c]));
  const ended =
    conditions.get('Complete')?.status === 'True' || conditions.get('Failed')?.status === 'True';
  expect(conditions.get('Reconciling')?.status).toBe(
    ended || phase === 'Suspended' ? 'False' : 'True',
  );
  return ended;
}

/** The console: the page stops following it, and Cancel says it has finished. */
function consoleFinished(phase: Phase): boolean {
  const blockers = actionBlockers({
    phase,
    suspend: false,
    cancelRequested: false,
    failedCount: 0,
    mayPatch: '',
    mayCreate: '',
  });
  expect(blockers.cancel === 'the execution has finished').toBe(isTerminal(phase));
  return isTerminal(phase);
}

describe('phases: the operator and the console agree which are final', () => {
  it('covers every phase of the API', () => {
    expect(Object.keys(TERMINAL).sort()).toEqual([...PHASES].sort());
  });

  it.each(PHASES.map((phase) => [phase, TERMINAL[phase]] as const))(
    '%s: final %s',
    (phase, final) => {
      expect(consoleFinished(phase)).toBe(operatorFinished(phase));
      expect(operatorFinished(phase)).toBe(final);
    },
  );
});

function batchWith(status: BatchInvocation['status']): ExecutionBatch {
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'ExecutionBatch',
    metadata: { name: 'run-0', namespace: 'ops' },
    spec: {
      index: 0,
      location: 0,
      target: 0,
      credential: 'acct',
      accountId: '111100000000',
      region: 'eu-west-1',
      instanceIds: ['i-0123456789abcdef0'],
    },
    status: { phase: 'Sent', invocations: [{ instanceId: 'i-0123456789abcdef0', status }] },
  } as unknown as ExecutionBatch;
}

/** SSM's own words for the statuses it reports, as the AWS provider reads them. */
const SSM_WORDS: Partial<Record<BatchInvocation['status'], [string, string]>> = {
  Pending: ['Pending', 'Pending'],
  InProgress: ['InProgress', 'In Progress'],
  Delayed: ['Delayed', 'Delayed'],
  Success: ['Success', 'Success'],
  Failed: ['Failed', 'Failed'],
  DeliveryTimedOut: ['TimedOut', 'Delivery Timed Out'],
  ExecutionTimedOut: ['TimedOut', 'Execution Timed Out'],
  Undeliverable: ['Failed', 'Undeliverable'],
  Terminated: ['Failed', 'Terminated'],
  Cancelled: ['Cancelled', 'Canceled'],
  Cancelling: ['Cancelling', 'Cancelling'],
};

describe('invocation statuses: final for the run, the provider and a re-run alike', () => {
  it.each(INVOCATION_STATUSES.map((s) => [s]))('%s', (status) => {
    // the operator's tally (a run whose only target has this status has finished, or not) and
    // the rule its observer and the AWS provider stop following a target by
    const finished = summarize([batchWith(status)]).finished;
    expect(isTerminalInvocation(status)).toBe(finished);
    expect(finished).toBe(!['Pending', 'InProgress', 'Delayed', 'Cancelling'].includes(status));
    // the console re-runs only targets that ended
    if (RERUNNABLE.has(status)) expect(finished).toBe(true);
    const words = SSM_WORDS[status];
    if (words) expect(invocationStatus(...words)).toBe(status);
  });
});
