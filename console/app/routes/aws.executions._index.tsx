// Every AWS execution, newest first, filtered by phase through the query string.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { ScriptExecution } from '@pcm-ops/crds';
import { executionRow, isPhase, PHASE_ORDER, type ExecutionRow } from '../lib/executions.js';
import { kubeGet, PCM, pageNamespace, requireUser } from '../lib/kube.server.js';
import { executionHref, phaseClass } from '../lib/links.js';
import { RouteError } from '../lib/route-error.js';

export const meta: MetaFunction = () => [{ title: 'AWS executions · PCM-Ops' }];

interface ListData {
  namespace: string | null;
  phase: string | null;
  rows: ExecutionRow[];
}

export async function loader({ context, request }: LoaderFunctionArgs): Promise<ListData> {
  const user = requireUser(context);
  const url = new URL(request.url);
  const namespace = pageNamespace(user, url);
  const asked = url.searchParams.get('phase');
  const phase = isPhase(asked) ? asked : null;
  const scope = namespace ? `/namespaces/${namespace}` : '';
  const list = await kubeGet<{ items: ScriptExecution[] }>(
    context,
    `${PCM}${scope}/scriptexecutions`,
  );
  const rows = list.items
    .map(executionRow)
    .filter((row) => phase === null || row.phase === phase)
    .sort((a, b) => (b.startTime || '~').localeCompare(a.startTime || '~'));
  return { namespace: namespace ?? null, phase, rows };
}

function filterHref(namespace: string | null, phase: string | null): string {
  const query = new URLSearchParams();
  if (namespace) query.set('namespace', namespace);
  if (phase) query.set('phase', phase);
  const search = query.toString();
  return search ? `?${search}` : '?';
}

export default function Executions(): ReactElement {
  const { namespace, phase, rows } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>AWS executions {namespace ? <small>namespace {namespace}</small> : null}</h1>
      <nav className="filters" aria-label="Filter by phase">
        <Link to={filterHref(namespace, null)} aria-current={phase === null ? 'page' : undefined}>
          All
        </Link>
        {PHASE_ORDER.map((candidate) => (
          <Link
            key={candidate}
            to={filterHref(namespace, candidate)}
            aria-current={phase === candidate ? 'page' : undefined}
          >
            {candidate}
          </Link>
        ))}
      </nav>
      {rows.length === 0 ? (
        <p className="muted">No executions{phase ? ` in phase ${phase}` : ''}.</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>Name</th>
              <th>Namespace</th>
              <th>Phase</th>
              <th>Progress</th>
              <th>Started</th>
              <th>Finished</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.namespace}/${row.name}`}>
                <td>
                  <Link to={executionHref(row.namespace, row.name)}>{row.name}</Link>
                </td>
                <td>{row.namespace}</td>
                <td>
                  <span className={phaseClass(row.phase)}>{row.phase}</span>
                </td>
                <td>{row.progress}</td>
                <td>{row.startTime}</td>
                <td>{row.completionTime}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
