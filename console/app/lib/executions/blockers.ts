// Why each action on an execution is not possible now ('' when it is): RBAC first, then state.
import { isTerminal } from './executions.js';

export interface ActionState {
  phase: string | undefined;
  suspend: boolean;
  cancelRequested: boolean;
  failedCount: number;
  /** RBAC verdicts: '' when allowed, else the reason. */
  mayPatch: string;
  mayCreate: string;
}

export interface Blockers {
  approve: string;
  cancel: string;
  rerun: string;
  rerunFailed: string;
  clone: string;
}

const first = (...reasons: Array<string | false>): string =>
  reasons.find((reason): reason is string => typeof reason === 'string' && reason !== '') ?? '';

export function actionBlockers(state: ActionState): Blockers {
  const finished = isTerminal(state.phase);
  return {
    approve: first(
      state.mayPatch,
      finished && 'the execution has finished',
      !state.suspend && 'the execution is not waiting for approval',
    ),
    cancel: first(
      state.mayPatch,
      finished && 'the execution has finished',
      state.cancelRequested && 'cancel already requested',
    ),
    rerun: state.mayCreate,
    rerunFailed: first(
      state.mayCreate,
      !finished && 'the execution has not finished',
      state.failedCount === 0 && 'no target failed or timed out',
    ),
    clone: state.mayCreate,
  };
}
