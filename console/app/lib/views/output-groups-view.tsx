// Group by output: how many targets printed each distinct output, and how each group differs
// from the largest one. Output and diffs are untrusted text in React text nodes, never HTML.
import { Link } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { GroupSummary, GroupsView } from '../executions/output-groups.js';
import { plainOutput } from '../executions/output.js';

function targetLink(instanceId: string): string {
  return `?view=groups&target=${encodeURIComponent(instanceId)}`;
}

function Diff({ group }: { group: GroupSummary }): ReactElement | null {
  if (!group.diff) return null;
  return (
    <pre className="output-text diff" aria-label="Difference from the largest group">
      {group.diff.map((part, index) =>
        part.kind === 'same' ? (
          <span key={index} className="diff-same">
            {plainOutput(part.text)}
          </span>
        ) : part.kind === 'added' ? (
          <ins key={index}>{plainOutput(part.text)}</ins>
        ) : (
          <del key={index}>{plainOutput(part.text)}</del>
        ),
      )}
    </pre>
  );
}

function Group({ group, index }: { group: GroupSummary; index: number }): ReactElement {
  const more = group.count - group.instanceIds.length;
  return (
    <article className="output-group" data-group={index} aria-label={`Group ${index + 1}`}>
      <header>
        <h3>
          <span data-group-count>{group.count}</span> {group.count === 1 ? 'target' : 'targets'}
          {index === 0 ? <span className="muted"> · largest group</span> : null}
          {group.stat ? (
            <span className="muted" data-diffstat>
              {' '}
              · +{group.stat.added} −{group.stat.removed} lines against the largest
            </span>
          ) : null}
        </h3>
      </header>
      <p className="members">
        {group.instanceIds.map((id) => (
          <Link key={id} to={targetLink(id)} data-member={id}>
            {id}
          </Link>
        ))}
        {more > 0 ? <span className="muted"> and {more} more</span> : null}
      </p>
      {group.output === '' ? <p className="muted">No output.</p> : null}
      {index === 0 || !group.diff ? (
        <pre className="output-text" data-group-output>
          {plainOutput(group.output)}
        </pre>
      ) : (
        <Diff group={group} />
      )}
      {group.truncated ? (
        <p className="notice">
          Some outputs here were cut at the 1,000 characters kept with the execution; they are
          identical that far.
        </p>
      ) : null}
    </article>
  );
}

export function OutputGroups({
  view,
  pending,
}: {
  view: GroupsView;
  pending: number;
}): ReactElement {
  if (view.groups.length === 0) {
    return <p className="muted">No target has reported output yet.</p>;
  }
  return (
    <section className="output-groups" aria-label="Targets grouped by output">
      <p className="muted">
        {view.groups.length + view.moreGroups} distinct{' '}
        {view.groups.length + view.moreGroups === 1 ? 'output' : 'outputs'}, compared on the first
        1,000 characters kept with the execution.
        {pending > 0 ? ` ${pending} targets have not reported yet.` : ''}
      </p>
      {view.groups.map((group, index) => (
        <Group key={index} group={group} index={index} />
      ))}
      {view.moreGroups > 0 ? (
        <p className="muted">
          And {view.moreGroups} more groups ({view.moreTargets} targets) not shown.
        </p>
      ) : null}
    </section>
  );
}
