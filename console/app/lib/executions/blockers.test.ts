import { describe, expect, it } from 'vitest';
import { actionBlockers, type ActionState } from './blockers.js';

const DENY_PATCH = 'Kubernetes RBAC does not let you patch scriptexecutions in ops';
const DENY_CREATE = 'Kubernetes RBAC does not let you create scriptexecutions in ops';
const BASE: ActionState = {
  phase: 'Running',
  suspend: false,
  cancelRequested: false,
  failedCount: 0,
  mayPatch: '',
  mayCreate: '',
};

describe('actionBlockers', () => {
  it.each([
    [
      {},
      {
        approve: 'the execution is not waiting for approval',
        cancel: '',
        rerun: '',
        rerunFailed: 'the execution has not finished',
        clone: '',
      },
    ],
    [
      { phase: 'Suspended', suspend: true },
      { approve: '', cancel: '', rerunFailed: 'the execution has not finished' },
    ],
    [
      { phase: 'PartiallySucceeded', failedCount: 2 },
      {
        approve: 'the execution has finished',
        cancel: 'the execution has finished',
        rerunFailed: '',
      },
    ],
    [{ phase: 'Succeeded' }, { rerunFailed: 'no target failed or timed out', rerun: '' }],
    [{ cancelRequested: true }, { cancel: 'cancel already requested' }],
    [
      { phase: 'Suspended', suspend: true, mayPatch: DENY_PATCH, mayCreate: DENY_CREATE },
      {
        approve: DENY_PATCH,
        cancel: DENY_PATCH,
        rerun: DENY_CREATE,
        rerunFailed: DENY_CREATE,
        clone: DENY_CREATE,
      },
    ],
  ])('in %j blocks %j', (state, expected) => {
    expect(actionBlockers({ ...BASE, ...state })).toMatchObject(expected);
  });
});
