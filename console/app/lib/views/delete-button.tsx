// Delete with a confirmation step in the page itself (a disclosure, so it works without
// JavaScript), disabled with the reason when RBAC says no. It posts to the page's own action.
import { Form, useNavigation } from '@remix-run/react';
import type { ReactElement } from 'react';
import { CsrfField } from './csrf-field.js';
import type { Permission } from '../server/kube.server.js';

/** What an action answers when the API server refused the delete. */
export interface DeleteAnswer {
  deleteProblem?: string;
}

interface DeleteButtonProps {
  what: string;
  permission: Permission;
  answer?: DeleteAnswer | undefined;
}

export function DeleteButton(props: DeleteButtonProps): ReactElement {
  const busy = useNavigation().state === 'submitting';
  if (!props.permission.allowed) {
    return (
      <span className="actions">
        <button type="button" disabled title={props.permission.reason}>
          Delete
        </button>
        <span className="reason">{props.permission.reason}</span>
      </span>
    );
  }
  const problem = props.answer?.deleteProblem;
  return (
    <span className="actions">
      <details className="confirm">
        <summary className="button" role="button" data-action="delete">
          Delete
        </summary>
        <Form method="post" className="inline">
          <CsrfField />
          <span>Delete {props.what}?</span>{' '}
          <button type="submit" name="intent" value="delete" className="danger" disabled={busy}>
            Yes, delete
          </button>
        </Form>
      </details>
      {problem ? (
        <span className="problem" role="alert">
          {problem}
        </span>
      ) : null}
    </span>
  );
}
