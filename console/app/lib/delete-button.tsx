// Delete with a confirmation step in the page itself, disabled with the reason when RBAC says no.
import { useNavigate } from '@remix-run/react';
import { useState, type ReactElement } from 'react';
import type { Permission } from './kube.server.js';
import { kubeSend, replyMessage, useCsrfToken } from './kube-client.js';

interface DeleteButtonProps {
  apiPath: string;
  what: string;
  permission: Permission;
  /** Where to go once deleted. */
  after: string;
}

export function DeleteButton(props: DeleteButtonProps): ReactElement {
  const csrfToken = useCsrfToken();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState('');
  const remove = async (): Promise<void> => {
    const reply = await kubeSend('DELETE', props.apiPath, csrfToken);
    setConfirming(false);
    if (!reply.ok) return setProblem(replyMessage(reply));
    navigate(props.after);
  };
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
  return (
    <span className="actions">
      {confirming ? (
        <>
          <span>Delete {props.what}?</span>
          <button type="button" className="danger" onClick={() => void remove()}>
            Yes, delete
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>
          Delete
        </button>
      )}
      {problem ? (
        <span className="problem" role="alert">
          {problem}
        </span>
      ) : null}
    </span>
  );
}
