// Execution history, newest first, filtered by phase, script, credential, label selector and time
// range. Every filter lives in the query string, so a filtered view is a link that reloads as is.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { ScriptExecution } from '@pcm-ops/crds';
import { executionRow, PHASE_ORDER, type ExecutionRow } from '../lib/executions/executions.js';
import {
  applyFilters,
  credentialsOf,
  filterChoices,
  hasFilters,
  historyFilters,
  type Range,
  scriptOf,
  shortTime,
  whenOf,
  type HistoryFilters,
} from '../lib/executions/history.js';
import {
  consoleContext,
  kubeGet,
  PCM,
  pageNamespace,
  requireUser,
} from '../lib/server/kube.server.js';
import { executionHref, phaseClass } from '../lib/links.js';
import { RouteError } from '../lib/views/route-error.js';

export const meta: MetaFunction = () => [{ title: 'AWS executions · PCM-Ops' }];

interface HistoryRow extends ExecutionRow {
  script: string;
  credentials: string;
}

interface ListData {
  namespace: string | null;
  filters: HistoryFilters;
  problems: string[];
  rows: HistoryRow[];
  total: number;
  choices: { scripts: string[]; credentials: string[] };
}

async function listExecutions(
  args: LoaderFunctionArgs,
  path: string,
  selector: string,
): Promise<{ items: ScriptExecution[]; problem?: string }> {
  if (!selector) return kubeGet<{ items: ScriptExecution[] }>(args.context, path);
  const query = `labelSelector=${encodeURIComponent(selector)}`;
  const answer = await consoleContext(args.context).kube('GET', `${path}?${query}`);
  if (answer.status === 400) {
    const message = (answer.body as { message?: string }).message ?? 'not a valid selector';
    return { items: [], problem: `label selector "${selector}": ${message}` };
  }
  return kubeGet<{ items: ScriptExecution[] }>(args.context, `${path}?${query}`);
}

export async function loader(args: LoaderFunctionArgs): Promise<ListData> {
  const user = requireUser(args.context);
  const url = new URL(args.request.url);
  const namespace = pageNamespace(user, url);
  const { filters, problems } = historyFilters(url.searchParams);
  const scope = namespace ? `/namespaces/${namespace}` : '';
  const list = await listExecutions(args, `${PCM}${scope}/scriptexecutions`, filters.selector);
  const rows = applyFilters(list.items, filters, Date.now())
    .sort((a, b) => whenOf(b).localeCompare(whenOf(a)))
    .map((execution) => ({
      ...executionRow(execution),
      script: scriptOf(execution),
      credentials: credentialsOf(execution).join(', '),
    }));
  return {
    namespace: namespace ?? null,
    filters,
    problems: list.problem ? [...problems, list.problem] : problems,
    rows,
    total: list.items.length,
    choices: filterChoices(list.items),
  };
}

const RANGE_LABELS: Record<Range, string> = {
  '1h': 'last hour',
  '24h': 'last 24 hours',
  '7d': 'last 7 days',
  '30d': 'last 30 days',
};

function Filters({ data }: { data: ListData }): ReactElement {
  const { filters, choices } = data;
  return (
    <Form method="get" className="history-filters" aria-label="Filter executions">
      {data.namespace ? <input type="hidden" name="namespace" value={data.namespace} /> : null}
      <label>
        Phase
        <select name="phase" defaultValue={filters.phase}>
          <option value="">any</option>
          {PHASE_ORDER.map((phase) => (
            <option key={phase}>{phase}</option>
          ))}
        </select>
      </label>
      <label>
        Script
        <input
          name="script"
          list="history-scripts"
          defaultValue={filters.script}
          placeholder="any"
        />
        <datalist id="history-scripts">
          {choices.scripts.map((script) => (
            <option key={script} value={script} />
          ))}
        </datalist>
      </label>
      <label>
        Credential
        <input
          name="credential"
          list="history-credentials"
          defaultValue={filters.credential}
          placeholder="any"
        />
        <datalist id="history-credentials">
          {choices.credentials.map((credential) => (
            <option key={credential} value={credential} />
          ))}
        </datalist>
      </label>
      <label>
        Labels
        <input name="selector" defaultValue={filters.selector} placeholder="team=web,env!=prod" />
      </label>
      <label>
        Started
        <select name="range" defaultValue={filters.range}>
          <option value="">any time</option>
          {Object.entries(RANGE_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Apply</button>
      {hasFilters(filters) ? (
        <Link to={data.namespace ? `?namespace=${data.namespace}` : '?'}>Clear filters</Link>
      ) : null}
    </Form>
  );
}

function Empty({ data }: { data: ListData }): ReactElement {
  if (data.total === 0 && !data.filters.selector) {
    return (
      <p className="muted empty">
        No executions yet. <Link to="/aws/executions/new">Start one</Link>.
      </p>
    );
  }
  return (
    <p className="muted empty">
      No executions match these filters ({data.total} in all).{' '}
      <Link to={data.namespace ? `?namespace=${data.namespace}` : '?'}>Clear filters</Link>
    </p>
  );
}

function Table({ rows }: { rows: HistoryRow[] }): ReactElement {
  return (
    <table className="grid" aria-label="Executions">
      <thead>
        <tr>
          <th>Name</th>
          <th>Namespace</th>
          <th>Phase</th>
          <th>Progress</th>
          <th>Script</th>
          <th>Credentials</th>
          <th>Started</th>
          <th>Finished</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.namespace}/${row.name}`} data-execution={row.name}>
            <td>
              <Link to={executionHref(row.namespace, row.name)}>{row.name}</Link>
            </td>
            <td>{row.namespace}</td>
            <td>
              <span className={phaseClass(row.phase)}>{row.phase}</span>
            </td>
            <td>{row.progress}</td>
            <td>{row.script}</td>
            <td className="message">{row.credentials}</td>
            <td>{shortTime(row.startTime)}</td>
            <td>{shortTime(row.completionTime)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function Executions(): ReactElement {
  const data = useLoaderData<ListData>();
  const navigation = useNavigation();
  const loading =
    navigation.state === 'loading' && navigation.location.pathname === '/aws/executions';
  return (
    <>
      <h1>AWS executions {data.namespace ? <small>namespace {data.namespace}</small> : null}</h1>
      <Filters data={data} />
      {data.problems.map((problem) => (
        <p key={problem} className="problem" role="alert">
          {problem}
        </p>
      ))}
      <div aria-busy={loading} className={loading ? 'loading' : undefined}>
        {loading ? <p className="muted">Loading…</p> : null}
        <p className="muted" data-result-count>
          {data.rows.length === data.total
            ? `${data.total} executions`
            : `${data.rows.length} of ${data.total} executions`}
        </p>
        {data.rows.length === 0 ? <Empty data={data} /> : <Table rows={data.rows} />}
      </div>
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
