// The Script library: what each script does, how it runs and what it takes.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { Script } from '@pcm-ops/crds';
import {
  canI,
  kubeGet,
  PCM,
  pageNamespace,
  requireUser,
  type Permission,
} from '../lib/server/kube.server.js';
import { useLiveList } from '../lib/views/live-list.js';
import { scriptHref, yamlHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/views/route-error.js';
import { parameterSummary } from '../lib/scripts/script-form.js';
import { PermittedLink } from '../lib/views/permitted-link.js';

export const meta: MetaFunction = () => [{ title: 'AWS scripts · PCM-Ops' }];

interface ScriptRow {
  namespace: string;
  name: string;
  description: string;
  interpreter: string;
  platforms: string;
  parameters: string;
}

interface ListData {
  namespace: string | null;
  rows: ScriptRow[];
  create: Permission;
}

function scriptRow(script: Script): ScriptRow {
  return {
    namespace: script.metadata.namespace ?? '',
    name: script.metadata.name ?? '',
    description: script.spec.description ?? '',
    interpreter: script.spec.interpreter,
    platforms: (script.spec.platforms ?? []).join(', '),
    parameters: parameterSummary(script),
  };
}

export async function loader({ context, request }: LoaderFunctionArgs): Promise<ListData> {
  const user = requireUser(context);
  const namespace = pageNamespace(user, new URL(request.url));
  const scope = namespace ? `/namespaces/${namespace}` : '';
  const [list, create] = await Promise.all([
    kubeGet<{ items: Script[] }>(context, `${PCM}${scope}/scripts`),
    canI(context, { verb: 'create', resource: 'scripts', namespace: namespace ?? 'default' }),
  ]);
  const rows = list.items
    .map(scriptRow)
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return { namespace: namespace ?? null, rows, create };
}

export default function Scripts(): ReactElement {
  const { namespace, rows, create } = useLoaderData<typeof loader>();
  useLiveList('scripts', namespace);
  const newHref = namespace ? `/aws/scripts/new?namespace=${namespace}` : '/aws/scripts/new';
  return (
    <>
      <header className="title">
        <h1>Script library {namespace ? <small>namespace {namespace}</small> : null}</h1>
        <div className="actions">
          <PermittedLink permission={create} to={newHref}>
            New script
          </PermittedLink>
        </div>
      </header>
      {rows.length === 0 ? (
        <p className="muted">No scripts yet.</p>
      ) : (
        <table className="grid" aria-label="Scripts">
          <thead>
            <tr>
              <th>Name</th>
              <th>Namespace</th>
              <th>Description</th>
              <th>Interpreter</th>
              <th>Platforms</th>
              <th>Parameters</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.namespace}/${row.name}`} data-script={row.name}>
                <td>
                  <Link to={scriptHref(row.namespace, row.name)}>{row.name}</Link>
                </td>
                <td>{row.namespace}</td>
                <td className="message">{row.description}</td>
                <td>{row.interpreter}</td>
                <td>{row.platforms}</td>
                <td className="mono">{row.parameters}</td>
                <td>
                  <Link to={yamlHref('scripts', row.namespace, row.name)}>YAML</Link>
                </td>
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
