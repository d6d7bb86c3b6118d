// One execution, over any provider's machines: box score, progress per place (an account and
// region, an inventory), the per-target grid (or the targets grouped by output, ?view=groups)
// with live updates, the output viewer (?target=) and the actions, each enabled only when RBAC
// allows it.
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction, ShouldRevalidateFunction } from '@remix-run/react';
import { Link, useActionData, useLoaderData, useLocation } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';
import { actionBlockers } from '../lib/executions/blockers.js';
import { kubeAs } from '../lib/server/actions.server.js';
import {
  ExecutionActions,
  type ActionAnswer,
  type ActionsData,
} from '../lib/views/execution-actions.js';
import { executionAction, isPostedAction } from '../lib/server/execution-actions.server.js';
import { seenFields } from '../lib/views/csrf-field.js';
import { mayI, readExecution } from '../lib/server/execution-detail.server.js';
import {
  isTerminal,
  targetOutput,
  targetRows,
  type TargetRow,
} from '../lib/executions/executions.js';
import { machineWords } from '../lib/executions/machines.js';
import { executionHref, phaseClass } from '../lib/links.js';
import { useLiveExecution } from '../lib/views/live.js';
import { groupsView, type GroupsView, type OutputSample } from '../lib/executions/output-groups.js';
import { OutputGroups } from '../lib/views/output-groups-view.js';
import { OutputViewer, type Excerpt } from '../lib/views/output-viewer.js';
import { RERUNNABLE, rerunExecution, rerunFailedExecution } from '../lib/executions/rerun.js';
import { RouteError } from '../lib/views/route-error.js';
import { TargetGrid } from '../lib/views/target-grid-view.js';

const COUNT_KEYS = [
  'total',
  'succeeded',
  'failed',
  'timedOut',
  'cancelled',
  'inProgress',
  'pending',
  'skipped',
] as const;
const GROUP_LIMITS = { groups: 50, members: 24 };
const STILL_RUNNING: ReadonlySet<string> = new Set(['Pending', 'InProgress', 'Delayed']);
/** Query parameters the grid applies in the browser: changing them needs no new data. */
const CLIENT_ONLY = new Set(['status', 'account', 'region', 'sort', 'order']);

export const meta: MetaFunction = ({ params }) => [{ title: `${params.name ?? ''} · PCM-Ops` }];

type View = 'grid' | 'groups';

interface DetailData {
  namespace: string;
  name: string;
  view: View;
  status: NonNullable<ScriptExecution['status']>;
  rows: TargetRow[];
  selected: Excerpt | null;
  groups: GroupsView | null;
  reported: number;
  actions: ActionsData;
}

function outputSamples(batches: ExecutionBatch[]): OutputSample[] {
  return batches.flatMap((batch) =>
    (batch.status?.invocations ?? [])
      .filter((invocation) => !STILL_RUNNING.has(invocation.status))
      .map((invocation) => ({
        instanceId: invocation.instanceId,
        output: invocation.output ?? '',
        truncated: invocation.outputTruncated,
      })),
  );
}

function actionsData(
  execution: ScriptExecution,
  batches: ExecutionBatch[],
  permissions: { mayPatch: string; mayCreate: string },
): ActionsData {
  const failedCount = batches
    .flatMap((batch) => batch.status?.invocations ?? [])
    .filter((invocation) => RERUNNABLE.has(invocation.status)).length;
  const blockers = actionBlockers({
    phase: execution.status?.phase,
    suspend: execution.spec.suspend === true,
    cancelRequested: execution.spec.cancel === true,
    failedCount,
    ...permissions,
  });
  return {
    namespace: execution.metadata.namespace ?? '',
    name: execution.metadata.name ?? '',
    blockers,
    suspended: execution.spec.suspend === true && !isTerminal(execution.status?.phase),
    rerun: rerunExecution(execution),
    rerunFailed: blockers.rerunFailed ? null : (rerunFailedExecution(execution, batches) ?? null),
    failedCount,
    seen: seenFields(execution.metadata),
  };
}

/** Approve, cancel, re-run or re-run the failed targets, as the user. */
export async function action({ context, params, request }: ActionFunctionArgs): Promise<Response> {
  const kube = kubeAs(context);
  const data = await request.formData();
  const intent = data.get('intent');
  if (!isPostedAction(intent)) throw json({ message: 'unknown action' }, { status: 400 });
  const { execution, batches } = await readExecution(context, params);
  const url = new URL(request.url);
  url.searchParams.delete('_data');
  return executionAction(intent, kube, {
    execution,
    batches,
    form: data,
    back: `${url.pathname}${url.search}`,
  });
}

export async function loader({
  context,
  params,
  request,
}: LoaderFunctionArgs): Promise<DetailData> {
  const { namespace, name, execution, batches } = await readExecution(context, params);
  const [mayPatch, mayCreate] = await Promise.all([
    mayI(context, 'patch', namespace, name),
    mayI(context, 'create', namespace),
  ]);
  const search = new URL(request.url).searchParams;
  const view: View = search.get('view') === 'groups' ? 'groups' : 'grid';
  const target = search.get('target');
  const found = target ? targetOutput(batches, target) : undefined;
  const samples = view === 'groups' ? outputSamples(batches) : [];
  const rows = targetRows(batches);
  return {
    namespace,
    name,
    view,
    status: execution.status ?? {},
    rows,
    selected: target && found ? { instanceId: target, ...found } : null,
    groups: view === 'groups' ? groupsView(samples, GROUP_LIMITS) : null,
    reported: samples.length,
    actions: actionsData(execution, batches, { mayPatch, mayCreate }),
  };
}

/** Filtering and sorting the grid happen in the browser: no reload for those. */
export const shouldRevalidate: ShouldRevalidateFunction = ({
  currentUrl,
  nextUrl,
  defaultShouldRevalidate,
}) => {
  if (currentUrl.pathname !== nextUrl.pathname) return defaultShouldRevalidate;
  const rest = (url: URL): string => {
    const kept = new URLSearchParams(url.search);
    for (const key of CLIENT_ONLY) kept.delete(key);
    kept.sort();
    return kept.toString();
  };
  if (rest(currentUrl) === rest(nextUrl) && currentUrl.search !== nextUrl.search) return false;
  return defaultShouldRevalidate;
};

function BoxScore({ status }: { status: DetailData['status'] }): ReactElement {
  const counts = status.counts ?? { total: 0 };
  const done = (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.timedOut ?? 0);
  return (
    <section className="boxscore" aria-label="Box score">
      {COUNT_KEYS.map((key) => (
        <div key={key} className={`score score-${key}`}>
          <span className="count" data-count={key}>
            {counts[key] ?? 0}
          </span>
          <span className="label">{key}</span>
        </div>
      ))}
      <div className="score progress">
        <progress max={counts.total || 1} value={done + (counts.cancelled ?? 0)} />
        <span className="label">{status.progress ?? '0/0'}</span>
      </div>
    </section>
  );
}

type AccountRow = NonNullable<DetailData['status']['accounts']>[number];

/** What went wrong in one account and region (its reason; the message is the tooltip), or its state. */
function rowProblem(row: AccountRow): string {
  if (row.reason) return row.reason;
  return row.state && row.state !== 'Resolved' ? row.state : '';
}

/** The places of the run, one row each, in the words of their providers. */
function Accounts({ status }: { status: DetailData['status'] }): ReactElement | null {
  const accounts = status.accounts ?? [];
  if (accounts.length === 0) return null;
  const words = machineWords(accounts.map((row) => row.provider));
  const label = `${words.places[0]!.toUpperCase()}${words.places.slice(1)}`;
  return (
    <details className="accounts" open={accounts.length <= 6}>
      <summary>
        {accounts.length} {accounts.length === 1 ? words.place : words.places}
      </summary>
      <table className="grid compact" aria-label={label}>
        <thead>
          <tr>
            <th>{words.scope}</th>
            {words.region ? <th>{words.region}</th> : null}
            <th>Credential</th>
            <th>Targets</th>
            <th>Succeeded</th>
            <th>Failed</th>
            <th>Problem</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((row, at) => (
            <tr key={`${at}/${row.accountId}/${row.region}/${row.target ?? ''}`}>
              <td>{row.accountId}</td>
              {words.region ? <td>{row.region}</td> : null}
              <td>{row.credential}</td>
              <td>{row.total}</td>
              <td>{row.succeeded ?? 0}</td>
              <td>{row.failed ?? 0}</td>
              <td title={row.message}>{rowProblem(row)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function withSearch(search: string, change: Record<string, string | null>): string {
  const next = new URLSearchParams(search);
  for (const [key, value] of Object.entries(change)) {
    if (value === null) next.delete(key);
    else next.set(key, value);
  }
  const text = next.toString();
  return text ? `?${text}` : '?';
}

function ViewTabs({ data }: { data: DetailData }): ReactElement {
  const { search } = useLocation();
  const base = executionHref(data.namespace, data.name);
  return (
    <nav className="tabs" aria-label="Views">
      <Link
        to={withSearch(search, { view: null, target: null })}
        aria-current={data.view === 'grid' ? 'page' : undefined}
      >
        Targets
      </Link>
      <Link
        to={withSearch(search, { view: 'groups', target: null })}
        aria-current={data.view === 'groups' ? 'page' : undefined}
      >
        Group by output
      </Link>
      <span className="downloads">
        Report:{' '}
        <a href={`${base}/report.csv`} download>
          CSV
        </a>{' '}
        <a href={`${base}/report.json`} download>
          JSON
        </a>
      </span>
    </nav>
  );
}

function Body({ data }: { data: DetailData }): ReactElement {
  const { search } = useLocation();
  const status = data.rows.find((row) => row.instanceId === data.selected?.instanceId)?.status;
  const main =
    data.view === 'groups' && data.groups ? (
      <OutputGroups view={data.groups} pending={data.rows.length - data.reported} />
    ) : (
      <TargetGrid rows={data.rows} selected={data.selected?.instanceId} />
    );
  return (
    <div className={data.selected ? 'split' : ''}>
      {main}
      {data.selected ? (
        <OutputViewer
          key={data.selected.instanceId}
          namespace={data.namespace}
          name={data.name}
          excerpt={data.selected}
          status={status ?? ''}
          closeHref={withSearch(search, { target: null })}
        />
      ) : null}
    </div>
  );
}

export default function ExecutionDetail(): ReactElement {
  const data = useLoaderData<DetailData>();
  const answer = useActionData<ActionAnswer>();
  const phase = data.status.phase ?? 'Pending';
  useLiveExecution(data.namespace, data.name, !isTerminal(phase));
  return (
    <>
      <nav className="crumbs">
        <Link to="/aws/executions">Executions</Link> / {data.namespace} /{' '}
        <Link to={executionHref(data.namespace, data.name)}>{data.name}</Link>
      </nav>
      <header className="title">
        <h1>{data.name}</h1>
        <span className={phaseClass(phase)} data-phase>
          {phase}
        </span>
        <Link to={`/yaml/scriptexecutions/${data.namespace}/${data.name}`}>YAML</Link>
        <ExecutionActions data={data.actions} answer={answer} />
      </header>
      {data.status.message ? <p className="message">{data.status.message}</p> : null}
      <BoxScore status={data.status} />
      <Accounts status={data.status} />
      <ViewTabs data={data} />
      <Body data={data} />
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
