import { countsAsError, isTerminalInvocation } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import type { InvocationStatus } from '../../domain/provider.js';
import { invocationStatus } from './ssm-status.js';

describe('invocationStatus', () => {
  it.each<[string | undefined, string | undefined, InvocationStatus]>([
    ['Pending', 'Pending', 'Pending'],
    ['InProgress', 'InProgress', 'InProgress'],
    ['InProgress', 'In Progress', 'InProgress'],
    ['Delayed', 'Delayed', 'Delayed'],
    ['Success', 'Success', 'Success'],
    ['Failed', 'Failed', 'Failed'],
    ['TimedOut', 'Delivery Timed Out', 'DeliveryTimedOut'],
    ['TimedOut', 'Execution Timed Out', 'ExecutionTimedOut'],
    ['TimedOut', undefined, 'ExecutionTimedOut'],
    ['Failed', 'Undeliverable', 'Undeliverable'],
    ['Failed', 'Terminated', 'Terminated'],
    ['Failed', 'Invalid Platform', 'Undeliverable'],
    ['Failed', 'Access Denied', 'Undeliverable'],
    ['Undeliverable', 'Undeliverable', 'Undeliverable'],
    ['Terminated', 'Terminated', 'Terminated'],
    ['Cancelled', 'Cancelled', 'Cancelled'],
    ['Cancelled', 'Canceled', 'Cancelled'],
    ['Cancelling', 'Cancelling', 'Cancelling'],
    [undefined, 'Delivery Timed Out', 'DeliveryTimedOut'],
    [undefined, 'In Progress', 'InProgress'],
    ['SomethingNew', 'Something new', 'InProgress'],
    [undefined, undefined, 'InProgress'],
  ])('Status %s with StatusDetails %s is %s', (status, details, expected) => {
    expect(invocationStatus(status, details)).toBe(expected);
  });

  it.each<[string, string, InvocationStatus]>([
    ['Success', 'Terminated', 'Success'],
    ['Cancelled', 'Undeliverable', 'Cancelled'],
    ['InProgress', 'Delivery Timed Out', 'InProgress'],
  ])(
    'details refine only Failed and TimedOut: %s with %s stays %s',
    (status, details, expected) => {
      expect(invocationStatus(status, details)).toBe(expected);
    },
  );
});

describe('SSM statuses: final and counted against MaxErrors', () => {
  it.each<[InvocationStatus, boolean, boolean]>([
    ['Pending', false, false],
    ['InProgress', false, false],
    ['Delayed', false, false],
    ['Cancelling', false, false],
    ['Success', true, false],
    ['Failed', true, true],
    ['ExecutionTimedOut', true, true],
    ['DeliveryTimedOut', true, false],
    ['Undeliverable', true, false],
    ['Terminated', true, false],
    ['Cancelled', true, false],
  ])('%s: terminal %s, counts as an error %s', (status, terminal, error) => {
    expect(isTerminalInvocation(status)).toBe(terminal);
    expect(countsAsError(status)).toBe(error);
  });
});
