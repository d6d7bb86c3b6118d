// What a person can do with one execution: approve a suspended run, cancel, re-run, re-run the
// failed targets only, clone into the form. Each button follows RBAC (SelfSubjectAccessReview in
// the loader) and says why it is disabled; a refusal by the API server is shown as it came. Each
// button posts to the page's action, which acts on the console server as the user: with or
// without JavaScript.
import { Form, Link, useNavigation } from '@remix-run/react';
import { useEffect, useState, type ReactElement } from 'react';
import { CsrfField, HiddenFields } from './csrf-field.js';
import type { NewExecution } from '../executions/rerun.js';

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
  /** The version the page shows (hidden fields): an approval is of this spec, refused if it changed. */
  seen: Record<string, string>;
}

/** What the action answers when the API server refused. */
export interface ActionAnswer {
  actionProblem?: string;
}

/** The posted `intent` of each button (clone is a link to the form). */
export const POSTED_ACTIONS = ['approve', 'cancel', 'rerun', 'rerunFailed'] as const;
export type PostedAction = (typeof POSTED_ACTIONS)[number];

export type ActionKey = 'approve' | 'cancel' | 'rerun' | 'rerunFailed' | 'clone';

const LABELS: Record<ActionKey, string> = {
  approve: 'Approve',
  cancel: 'Cancel',
  rerun: 'Re-run',
  rerunFailed: 'Re-run failed',
  clone: 'Clone',
};

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
}): ReactElement {
  return (
    <button
      type="submit"
      name="intent"
      value={props.action}
      data-action={props.action}
      disabled={props.blocker !== '' || props.busy}
      title={props.blocker || undefined}
      aria-describedby={props.describedBy}
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

export function ExecutionActions({
  data,
  answer,
}: {
  data: ActionsData;
  answer?: ActionAnswer | undefined;
}): ReactElement {
  const busy = useNavigation().state === 'submitting';
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const problem = answer?.actionProblem ?? '';
  const { blockers } = data;
  const shown = (Object.keys(LABELS) as ActionKey[]).filter(
    (key) => key !== 'approve' || data.suspended,
  );
  const groups = reasonGroups(blockers, shown);
  const describedBy = (key: ActionKey): string | undefined => {
    const index = [...groups.values()].findIndex((keys) => keys.includes(key));
    return index === -1 ? undefined : `reason-${index}`;
  };
  const button = (action: ActionKey): ReactElement => (
    <ActionButton
      key={action}
      action={action}
      blocker={blockers[action]}
      busy={busy}
      describedBy={describedBy(action)}
    />
  );
  const cloneHref = `/aws/executions/new?from=${data.namespace}/${data.name}`;
  return (
    <div className="actions" data-hydrated={hydrated ? '' : undefined}>
      <Form method="post" className="buttons">
        <CsrfField />
        <HiddenFields fields={data.seen} />
        {data.suspended ? button('approve') : null}
        {button('cancel')}
        {button('rerun')}
        {button('rerunFailed')}
        {blockers.clone ? (
          button('clone')
        ) : (
          <Link className="button" data-action="clone" to={cloneHref}>
            Clone
          </Link>
        )}
      </Form>
      <Reasons groups={groups} />
      {problem ? (
        <span className="problem" role="alert">
          {problem}
        </span>
      ) : null}
    </div>
  );
}
