import { describe, expect, it } from 'vitest';
import {
  credentialStatus,
  readyTransition,
  selectOrganizationAccounts,
  validationGoodFor,
} from './credential-status.js';

const at = { generation: 2, now: new Date('2026-03-01T10:00:00Z') };
const ready = {
  kind: 'ready' as const,
  accountId: '111111111111',
  arn: 'arn:aws:iam::111111111111:user/ops',
  validatedAt: at.now,
};

function condition(status: ReturnType<typeof credentialStatus>, type: string) {
  return status.conditions?.find((c) => c.type === type);
}

describe('credentialStatus', () => {
  it('reports a validated credential as Ready, not Reconciling, not Stalled', () => {
    const status = credentialStatus(undefined, ready, at);
    expect(status).toMatchObject({
      accountId: '111111111111',
      observedGeneration: 2,
      lastValidatedAt: at.now.toISOString(),
    });
    expect(condition(status, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Validated',
      observedGeneration: 2,
    });
    expect(condition(status, 'Stalled')?.status).toBe('False');
    expect(condition(status, 'Reconciling')?.status).toBe('False');
  });

  it('reports a configuration error as Stalled with its reason and message', () => {
    const status = credentialStatus(
      undefined,
      {
        kind: 'failed',
        failure: { reason: 'SecretNotFound', message: 'Secret "k" not found', transient: false },
      },
      at,
    );
    expect(condition(status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'SecretNotFound',
      message: 'Secret "k" not found',
    });
    expect(condition(status, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'SecretNotFound',
    });
    expect(condition(status, 'Reconciling')?.status).toBe('False');
  });

  it('reports throttling as Reconciling, not Stalled', () => {
    const status = credentialStatus(
      undefined,
      {
        kind: 'failed',
        failure: { reason: 'Throttled', message: 'Rate exceeded', transient: true },
      },
      at,
    );
    expect(condition(status, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Retrying' });
    expect(condition(status, 'Stalled')?.status).toBe('False');
  });

  it('keeps the last known account on failure, but shows the account STS reported on a mismatch', () => {
    const good = credentialStatus(undefined, ready, at);
    const denied = credentialStatus(
      good,
      { kind: 'failed', failure: { reason: 'AccessDenied', message: 'x', transient: false } },
      at,
    );
    expect(denied.accountId).toBe('111111111111');
    const mismatch = credentialStatus(
      good,
      {
        kind: 'failed',
        failure: { reason: 'AccountMismatch', message: 'y', transient: false },
        observedAccount: { accountId: '999999999999', arn: 'arn:aws:iam::999999999999:user/x' },
      },
      at,
    );
    expect(mismatch.accountId).toBe('999999999999');
  });
});

describe('readyTransition', () => {
  it('fires on a new status or a new reason, not on a repeat', () => {
    const a = credentialStatus(undefined, ready, at).conditions;
    const b = credentialStatus(
      undefined,
      { kind: 'failed', failure: { reason: 'AccessDenied', message: '', transient: false } },
      at,
    ).conditions;
    const c = credentialStatus(
      undefined,
      { kind: 'failed', failure: { reason: 'ExpiredToken', message: '', transient: false } },
      at,
    ).conditions;
    expect(readyTransition(undefined, a)?.reason).toBe('Validated');
    expect(readyTransition(a, a)).toBeUndefined();
    expect(readyTransition(a, b)?.reason).toBe('AccessDenied');
    expect(readyTransition(b, c)?.reason).toBe('ExpiredToken');
  });
});

describe('selectOrganizationAccounts', () => {
  const accounts = [{ id: '3' }, { id: '1' }, { id: '2' }];
  it.each([
    [undefined, undefined, ['1', '2', '3']],
    [['1', '3'], undefined, ['1', '3']],
    [undefined, ['2'], ['1', '3']],
    [['1', '2'], ['2'], ['1']],
  ])('include %j exclude %j → %j', (include, exclude, expected) => {
    expect(selectOrganizationAccounts(accounts, include, exclude).map((a) => a.id)).toEqual(
      expected,
    );
  });
});

describe('validationGoodFor', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const check = {
    generation: 3,
    version: 'v1',
    now,
    validationIntervalMs: 300_000,
    refreshBeforeExpiryMs: 60_000,
  };
  const ready = {
    observedGeneration: 3,
    validatedVersion: 'v1',
    lastValidatedAt: '2026-12-01T11:58:00Z',
    conditions: [
      {
        type: 'Ready',
        status: 'True' as const,
        reason: 'Validated',
        message: '',
        lastTransitionTime: '2026-12-01T11:00:00Z',
      },
    ],
  };

  it('trusts a recent validation of the same spec and versions until the interval ends', () => {
    expect(validationGoodFor(ready, check)).toBe(180_000);
  });

  it.each([
    ['no status', undefined],
    [
      'not Ready',
      { ...ready, conditions: [{ ...ready.conditions[0]!, status: 'False' as const }] },
    ],
    ['another generation', { ...ready, observedGeneration: 2 }],
    ['another Secret or source version', { ...ready, validatedVersion: 'v0' }],
    ['older than the interval', { ...ready, lastValidatedAt: '2026-12-01T11:54:00Z' }],
    ['a session about to expire', { ...ready, expiresAt: '2026-12-01T12:00:30Z' }],
  ])('validates again with %s', (_why, status) => {
    expect(validationGoodFor(status, check)).toBeUndefined();
  });

  it('trusts a session only until it is due for renewal', () => {
    expect(validationGoodFor({ ...ready, expiresAt: '2026-12-01T12:02:00Z' }, check)).toBe(60_000);
  });
});
