// Dashboard: executions by phase, what runs now and what failed recently, and where each
// provider's section starts.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { ScriptExecution } from '@pcm-ops/crds';
import { summarize, type ExecutionRow, type Summary } from '../lib/executions/executions.js';
import { kubeGet, PCM, pageNamespace, requireUser } from '../lib/server/kube.server.js';
import { executionHref, phaseClass } from '../lib/links.js';
import { SECTIONS } from '../lib/sections.js';
import { RouteError } from '../lib/views/route-error.js';

export const meta: MetaFunction = () => [{ title: 'Dashboard · PCM-Ops' }];

interface DashboardData extends Summary {
  namespace: string | null;
}

export async function loader({ context, request }: LoaderFunctionArgs): Promise<DashboardData> {
  const user = requireUser(context);
  const namespace = pageNamespace(user, new URL(request.url));
  const scope = namespace ? `/namespaces/${namespace}` : '';
  const list = await kubeGet<{ items: ScriptExecution[] }>(
    context,
    `${PCM}${scope}/scriptexecutions`,
  );
  return { namespace: namespace ?? null, ...summarize(list.items) };
}

function ExecutionTable({ rows, empty }: { rows: ExecutionRow[]; empty: string }): ReactElement {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>Execution</th>
          <th>Phase</th>
          <th>Progress</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.namespace}/${row.name}`}>
            <td>
              <Link to={executionHref(row.namespace, row.name)}>{row.name}</Link>
            </td>
            <td>
              <span className={phaseClass(row.phase)}>{row.phase}</span>
            </td>
            <td>{row.progress}</td>
            <td className="message">{row.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function Dashboard(): ReactElement {
  const data = useLoaderData<typeof loader>();
  const query = data.namespace ? `namespace=${data.namespace}&` : '';
  return (
    <>
      <h1>Dashboard {data.namespace ? <small>namespace {data.namespace}</small> : null}</h1>
      <section className="tiles" aria-label="Executions by phase">
        {data.byPhase.map(({ phase, count }) => (
          <Link key={phase} className="tile" to={`/aws/executions?${query}phase=${phase}`}>
            <span className="count">{count}</span>
            <span className={phaseClass(phase)}>{phase}</span>
          </Link>
        ))}
      </section>
      <section className="sections" aria-label="Sections">
        {SECTIONS.map((section) => (
          <article key={section.name} className="section-card" data-section={section.name}>
            <h2>{section.label}</h2>
            <p className="muted">{section.summary}</p>
            <ul>
              {section.links.map((link) => (
                <li key={link.to}>
                  <Link to={link.to}>{link.label}</Link>
                </li>
              ))}
            </ul>
          </article>
        ))}
      </section>
      <h2>Running now</h2>
      <ExecutionTable rows={data.running} empty="Nothing is running." />
      <h2>Recent failures</h2>
      <ExecutionTable rows={data.recentFailures} empty="No recent failures." />
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
