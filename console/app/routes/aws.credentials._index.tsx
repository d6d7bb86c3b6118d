// Every CloudCredential with what the operator found: Ready or why not, the account and identity
// STS reported, and the kind of source. The list follows changes live.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { CloudCredential } from '@pcm-ops/crds';
import { credentialRow, isAws, type CredentialRow } from '../lib/aws/credential-form.js';
import {
  canI,
  kubeGet,
  PCM,
  pageNamespace,
  requireUser,
  type Permission,
} from '../lib/server/kube.server.js';
import { useLiveList } from '../lib/views/live-list.js';
import { credentialHref, yamlHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/views/route-error.js';
import { PermittedLink } from '../lib/views/permitted-link.js';

export const meta: MetaFunction = () => [{ title: 'AWS credentials · PCM-Ops' }];

interface ListData {
  namespace: string | null;
  rows: CredentialRow[];
  create: Permission;
}

export async function loader({ context, request }: LoaderFunctionArgs): Promise<ListData> {
  const user = requireUser(context);
  const namespace = pageNamespace(user, new URL(request.url));
  const scope = namespace ? `/namespaces/${namespace}` : '';
  const [list, create] = await Promise.all([
    kubeGet<{ items: CloudCredential[] }>(context, `${PCM}${scope}/cloudcredentials`),
    canI(context, {
      verb: 'create',
      resource: 'cloudcredentials',
      namespace: namespace ?? 'default',
    }),
  ]);
  const rows = list.items
    .filter(isAws)
    .map(credentialRow)
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return { namespace: namespace ?? null, rows, create };
}

function readyClass(ready: string): string {
  if (ready === 'True') return 'phase phase-succeeded';
  return ready === 'False' ? 'phase phase-failed' : 'phase phase-pending';
}

function Row({ row }: { row: CredentialRow }): ReactElement {
  return (
    <tr data-credential={row.name}>
      <td>
        <Link to={credentialHref(row.namespace, row.name)}>{row.name}</Link>
      </td>
      <td>{row.namespace}</td>
      <td>{row.kind}</td>
      <td>
        <span className={readyClass(row.ready)} data-ready title={row.message}>
          {row.ready === 'True' ? 'Ready' : row.reason}
        </span>
      </td>
      <td>{row.accountId}</td>
      <td className="mono">{row.arn}</td>
      <td className="message">{row.ready === 'True' ? '' : row.message}</td>
      <td>
        <Link to={yamlHref('cloudcredentials', row.namespace, row.name)}>YAML</Link>
      </td>
    </tr>
  );
}

export default function Credentials(): ReactElement {
  const { namespace, rows, create } = useLoaderData<typeof loader>();
  useLiveList('cloudcredentials', namespace);
  const newHref = namespace
    ? `/aws/credentials/new?namespace=${namespace}`
    : '/aws/credentials/new';
  return (
    <>
      <header className="title">
        <h1>AWS credentials {namespace ? <small>namespace {namespace}</small> : null}</h1>
        <div className="actions">
          <PermittedLink permission={create} to={newHref}>
            New credential
          </PermittedLink>
        </div>
      </header>
      {rows.length === 0 ? (
        <p className="muted">No credentials yet.</p>
      ) : (
        <table className="grid" aria-label="Credentials">
          <thead>
            <tr>
              <th>Name</th>
              <th>Namespace</th>
              <th>Kind</th>
              <th>Status</th>
              <th>Account</th>
              <th>Caller ARN</th>
              <th>Message</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <Row key={`${row.namespace}/${row.name}`} row={row} />
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
