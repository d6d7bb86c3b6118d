import type { ExecutionBatch } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import {
  countKey,
  finalPhase,
  invocationsOf,
  phaseConditions,
  summarize,
} from './execution-status.js';

function batch(
  index: number,
  ids: string[],
  status?: ExecutionBatch['status'],
  account = '111111111111',
): ExecutionBatch {
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'ExecutionBatch',
    metadata: { name: `run-${index}` },
    spec: {
      executionName: 'run',
      index,
      location: account === '111111111111' ? 0 : 1,
      credential: 'prod',
      accountId: account,
      region: 'eu-west-1',
      instanceIds: ids,
    },
    status,
  };
}

describe('countKey', () => {
  it.each([
    ['Success', 'succeeded'],
    ['Failed', 'failed'],
    ['Undeliverable', 'failed'],
    ['Terminated', 'failed'],
    ['DeliveryTimedOut', 'timedOut'],
    ['ExecutionTimedOut', 'timedOut'],
    ['Cancelled', 'cancelled'],
    ['NotSent', 'cancelled'],
    ['InProgress', 'inProgress'],
    ['Cancelling', 'inProgress'],
    ['Pending', 'pending'],
    ['Delayed', 'pending'],
    ['SendFailed', 'failed'],
    ['Unknown', 'failed'],
  ] as const)('%s counts as %s', (status, key) => {
    expect(countKey(status)).toBe(key);
  });
});

describe('invocationsOf', () => {
  it('fills in Pending for targets not reported yet, and NotSent for skipped batches', () => {
    expect(
      invocationsOf(
        batch(0, ['i-1', 'i-2'], {
          phase: 'Sent',
          invocations: [{ instanceId: 'i-2', status: 'Success' }],
        }),
      ).map((i) => i.status),
    ).toEqual(['Pending', 'Success']);
    expect(invocationsOf(batch(0, ['i-1'], { phase: 'Skipped' }))[0]!.status).toBe('NotSent');
  });

  it('reports the targets of a failed batch as SendFailed, or Unknown once it was sent', () => {
    expect(invocationsOf(batch(0, ['i-1'], { phase: 'Failed' }))[0]!.status).toBe('SendFailed');
    const sent = batch(0, ['i-1', 'i-2'], {
      phase: 'Failed',
      commandId: 'c-1',
      invocations: [{ instanceId: 'i-1', status: 'Success' }],
    });
    expect(invocationsOf(sent).map((i) => i.status)).toEqual(['Success', 'Unknown']);
  });
});

describe('summarize', () => {
  const batches = [
    batch(0, ['i-1', 'i-2', 'i-3'], {
      phase: 'Finished',
      commandId: 'c-0',
      invocations: [
        { instanceId: 'i-1', status: 'Success', exitCode: 0 },
        { instanceId: 'i-2', status: 'Failed', statusDetails: 'Failed', exitCode: 2 },
        {
          instanceId: 'i-3',
          status: 'ExecutionTimedOut',
          statusDetails: 'Execution Timed Out',
          outputTruncated: true,
        },
      ],
    }),
    batch(
      1,
      ['i-4', 'i-5'],
      {
        phase: 'Sent',
        commandId: 'c-1',
        invocations: [{ instanceId: 'i-4', status: 'InProgress' }],
      },
      '222222222222',
    ),
    batch(2, ['i-6'], { phase: 'Planned' }, '222222222222'),
  ];
  const frozen = (skipped = 0) => [
    {
      target: '0',
      targetIndex: 0,
      credential: 'prod',
      accountId: '111111111111',
      region: 'eu-west-1',
      state: 'Resolved' as const,
      total: 0,
      skipped,
    },
    {
      target: '0',
      targetIndex: 0,
      credential: 'prod',
      accountId: '222222222222',
      region: 'eu-west-1',
      state: 'Resolved' as const,
      total: 0,
    },
  ];

  it('counts every target once, and progress over the planned ones', () => {
    const s = summarize(batches, frozen(4));
    expect(s.counts).toEqual({
      total: 10,
      skipped: 4,
      pending: 2,
      inProgress: 1,
      succeeded: 1,
      failed: 1,
      timedOut: 1,
      cancelled: 0,
    });
    expect(s.progress).toBe('3/6');
    expect(s.finished).toBe(false);
  });

  it('knows what is in flight and what counts as an error', () => {
    const s = summarize(batches, frozen());
    expect(s.inFlight).toBe(2);
    expect(s.errors).toBe(2);
    expect(s.truncatedOutputs).toBe(1);
  });

  it('groups rows by account and region with their command ids', () => {
    const s = summarize(batches, frozen());
    expect(s.accounts).toEqual([
      { ...frozen()[0], total: 3, succeeded: 1, failed: 2, commandIds: ['c-0'] },
      { ...frozen()[1], total: 3, succeeded: 0, failed: 0, commandIds: ['c-1'] },
    ]);
  });

  it('is not finished while a location is still resolving', () => {
    const done = batch(0, ['i-1'], {
      phase: 'Finished',
      invocations: [{ instanceId: 'i-1', status: 'Success' }],
    });
    const rows = frozen();
    expect(summarize([done], rows).finished).toBe(true);
    expect(summarize([done], [rows[0]!, { ...rows[1]!, state: 'Resolving' }]).finished).toBe(false);
  });

  it("names a location's problem on its row: this round's first, then its own failure, then a failed batch's", () => {
    const failedBatch = batch(
      1,
      ['i-9'],
      {
        phase: 'Failed',
        reason: 'InvalidInstanceId',
        message: 'SendCommand failed',
      },
      '222222222222',
    );
    const rows = frozen();
    const plain = summarize([failedBatch], rows);
    expect(plain.accounts[1]).toMatchObject({ reason: 'InvalidInstanceId', failed: 1 });
    expect(plain.accounts[0]!.reason).toBeUndefined();
    const throttled = summarize(
      [failedBatch],
      rows,
      new Map([[1, { reason: 'Throttled', message: 'slow down' }]]),
    );
    expect(throttled.accounts[1]).toMatchObject({ reason: 'Throttled', message: 'slow down' });
    const unresolved = summarize(
      [],
      [{ ...rows[0]!, state: 'Failed', reason: 'AccessDenied', message: 'no' }],
    );
    expect(unresolved.accounts[0]).toMatchObject({ reason: 'AccessDenied', state: 'Failed' });
  });

  it('samples failed targets with their status detail and exit code', () => {
    expect(summarize(batches, frozen()).failedSample).toEqual([
      {
        instanceId: 'i-2',
        accountId: '111111111111',
        region: 'eu-west-1',
        status: 'Failed',
        exitCode: 2,
      },
      {
        instanceId: 'i-3',
        accountId: '111111111111',
        region: 'eu-west-1',
        status: 'Execution Timed Out',
      },
    ]);
  });

  it('keeps the failed sample bounded', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `i-${i}`);
    const many = batch(0, ids, {
      phase: 'Finished',
      invocations: ids.map((instanceId) => ({ instanceId, status: 'Failed' as const })),
    });
    expect(summarize([many]).failedSample).toHaveLength(20);
  });
});

describe('finalPhase', () => {
  const counts = (succeeded: number, failed: number) => ({
    total: succeeded + failed,
    succeeded,
    failed,
    timedOut: 0,
    cancelled: 0,
  });
  it.each([
    [counts(5, 0), undefined, 'Succeeded'],
    [counts(4, 1), undefined, 'PartiallySucceeded'],
    [counts(0, 5), undefined, 'Failed'],
    [counts(3, 2), 'MaxErrorsExceeded', 'Failed'],
    [counts(3, 0), 'Cancelled', 'Cancelled'],
    [counts(3, 0), 'DeadlineExceeded', 'TimedOut'],
  ] as const)('%j ended by %s → %s', (c, ended, phase) => {
    expect(finalPhase(c, ended)).toBe(phase);
  });

  it('is at best PartiallySucceeded when a location could not be resolved', () => {
    expect(finalPhase(counts(5, 0), undefined, 1)).toBe('PartiallySucceeded');
    expect(finalPhase(counts(0, 0), undefined, 1)).toBe('Failed');
  });
});

describe('phaseConditions', () => {
  const byType = (phase: Parameters<typeof phaseConditions>[0]) =>
    Object.fromEntries(phaseConditions(phase, phase, '').map((c) => [c.type, c.status]));
  it.each([
    [
      'Running',
      {
        Complete: 'False',
        Failed: 'False',
        Suspended: 'False',
        Ready: 'False',
        Reconciling: 'True',
        Stalled: 'False',
      },
    ],
    [
      'Suspended',
      {
        Complete: 'False',
        Failed: 'False',
        Suspended: 'True',
        Ready: 'False',
        Reconciling: 'False',
        Stalled: 'False',
      },
    ],
    [
      'Succeeded',
      {
        Complete: 'True',
        Failed: 'False',
        Suspended: 'False',
        Ready: 'True',
        Reconciling: 'False',
        Stalled: 'False',
      },
    ],
    [
      'PartiallySucceeded',
      {
        Complete: 'True',
        Failed: 'False',
        Suspended: 'False',
        Ready: 'False',
        Reconciling: 'False',
        Stalled: 'True',
      },
    ],
    [
      'Failed',
      {
        Complete: 'False',
        Failed: 'True',
        Suspended: 'False',
        Ready: 'False',
        Reconciling: 'False',
        Stalled: 'True',
      },
    ],
    [
      'Cancelled',
      {
        Complete: 'False',
        Failed: 'True',
        Suspended: 'False',
        Ready: 'False',
        Reconciling: 'False',
        Stalled: 'True',
      },
    ],
  ] as const)('%s', (phase, expected) => {
    expect(byType(phase)).toEqual(expected);
  });
});
