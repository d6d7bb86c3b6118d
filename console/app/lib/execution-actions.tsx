// What a person can do with one execution: approve a suspended run, cancel, re-run, re-run the
// failed targets only, clone into the form. Each button follows RBAC (SelfSubjectAccessReview in
// the loader) and says why it is disabled; a refusal by the API server is shown as it came.
import { Link, useNavigate, useRevalidator, useRouteLoaderData } from '@remix-run/react';
import { useEffect, useState, type ReactElement } from 'react';
import type { RootData } from '../root.js';
import { executionHref, PCM } from './links.js';
import type { NewExecution } from './rerun.js';

export interface ActionsData {
  namespace: string;
  name: string;
  /** Why each action is not possible now; '' when it is. */
  blockers: Record<ActionKey, string>;
  /** spec.suspend is set: the run waits for approval. */
  suspended: boolean;
  rerun: NewExecution;
  rerunFailed: NewExecution | null;
  failedCount: number;
}

export type ActionKey = 'approve' | 'cancel' | 'rerun' | 'rerunFailed' | 'clone';

const LABELS: Record<ActionKey, string> = {
  approve: 'Approve',
  cancel: 'Cancel',
  rerun: 'Re-run',
  rerunFailed: 'Re-run failed',
  clone: 'Clone',
};

interface Answer {
  ok: boolean;
  message: string;
  name?: string;
}

async function send(path: string, init: RequestInit, csrfToken: string): Promise<Answer> {
  const response = await fetch(`/k8s${PCM}${path}`, {
    ...init,
    headers: { ...init.headers, 'x-csrf-token': csrfToken },
  }).catch((error: Error) => error);
  if (response instanceof Error)
    return { ok: false, message: `the console could not be reached: ${response.message}` };
  const body = (await response.json().catch(() => ({}))) as {
    message?: string;
    metadata?: { name?: string };
  };
  if (response.ok) return { ok: true, message: '', name: body.metadata?.name };
  const message = body.message ?? `the API server answered ${response.status}`;
  return { ok: false, message: response.status === 403 ? `Not allowed: ${message}` : message };
}

const patchSpec = (spec: Record<string, boolean>): RequestInit => ({
  method: 'PATCH',
  headers: { 'content-type': 'application/merge-patch+json' },
  body: JSON.stringify({ spec }),
});

const create = (manifest: NewExecution): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(manifest),
});

/** Actions that share a reason share one sentence: "Re-run, Clone: RBAC does not let you ...". */
function reasonGroups(
  blockers: Record<ActionKey, string>,
  shown: ActionKey[],
): Map<string, ActionKey[]> {
  const groups = new Map<string, ActionKey[]>();
  for (const key of shown) {
    const reason = blockers[key];
    if (reason) groups.set(reason, [...(groups.get(reason) ?? []), key]);
  }
  return groups;
}

function ActionButton(props: {
  action: ActionKey;
  blocker: string;
  busy: boolean;
  describedBy: string | undefined;
  onClick: () => void;
}): ReactElement {
  return (
    <button
      type="button"
      data-action={props.action}
      disabled={props.blocker !== '' || props.busy}
      title={props.blocker || undefined}
      aria-describedby={props.describedBy}
      onClick={props.onClick}
    >
      {LABELS[props.action]}
    </button>
  );
}

function Reasons({ groups }: { groups: Map<string, ActionKey[]> }): ReactElement | null {
  if (groups.size === 0) return null;
  return (
    <span className="reason">
      {[...groups].map(([reason, keys], index) => (
        <span key={reason} id={`reason-${index}`} data-reason-for={keys.join(' ')}>
          {keys.map((key) => LABELS[key]).join(', ')}: {reason}.{' '}
        </span>
      ))}
    </span>
  );
}

export function ExecutionActions({ data }: { data: ActionsData }): ReactElement {
  const root = useRouteLoaderData<RootData>('root');
  const revalidator = useRevalidator();
  const navigate = useNavigate();
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const object = `/namespaces/${data.namespace}/scriptexecutions`;
  const run = (path: string, init: RequestInit, thenOpen: boolean): void => {
    setBusy(true);
    void send(path, init, root?.csrfToken ?? '').then((answer) => {
      setBusy(false);
      setProblem(answer.message);
      if (answer.ok && thenOpen && answer.name)
        navigate(executionHref(data.namespace, answer.name));
      else revalidator.revalidate();
    });
  };
  const { blockers } = data;
  const shown = (Object.keys(LABELS) as ActionKey[]).filter(
    (key) => key !== 'approve' || data.suspended,
  );
  const groups = reasonGroups(blockers, shown);
  const describedBy = (key: ActionKey): string | undefined => {
    const index = [...groups.values()].findIndex((keys) => keys.includes(key));
    return index === -1 ? undefined : `reason-${index}`;
  };
  const button = (action: ActionKey, onClick: () => void): ReactElement => (
    <ActionButton
      key={action}
      action={action}
      blocker={blockers[action]}
      busy={busy}
      describedBy={describedBy(action)}
      onClick={onClick}
    />
  );
  const self = `${object}/${data.name}`;
  const cloneHref = `/aws/executions/new?from=${data.namespace}/${data.name}`;
  return (
    <div className="actions" data-hydrated={hydrated ? '' : undefined}>
      <div className="buttons">
        {data.suspended
          ? button('approve', () => run(self, patchSpec({ suspend: false }), false))
          : null}
        {button('cancel', () => run(self, patchSpec({ cancel: true }), false))}
        {button('rerun', () => run(object, create(data.rerun), true))}
        {button(
          'rerunFailed',
          () => data.rerunFailed && run(object, create(data.rerunFailed), true),
        )}
        {blockers.clone ? (
          button('clone', () => undefined)
        ) : (
          <Link className="button" data-action="clone" to={cloneHref}>
            Clone
          </Link>
        )}
      </div>
      <Reasons groups={groups} />
      {problem ? (
        <span className="problem" role="alert">
          {problem}
        </span>
      ) : null}
    </div>
  );
}
