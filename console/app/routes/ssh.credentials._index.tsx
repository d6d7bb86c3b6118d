// Every SSH CloudCredential: the inventory it reaches, as which user, with sudo or not, its
// host-key policy, the Secret holding its key (by name only), and Ready or why not. Live.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { CloudCredential } from '@pcm-ops/crds';
import { yamlHref } from '../lib/resource-links.js';
import {
  canI,
  kubeGet,
  PCM,
  pageNamespace,
  requireUser,
  type Permission,
} from '../lib/server/kube.server.js';
import {
  HOST_KEY_POLICY_LABELS,
  sshCredentialRow,
  type SshCredentialRow,
} from '../lib/ssh/credential-form.js';
import { inventoryHref } from '../lib/ssh/links.js';
import { useLiveList } from '../lib/views/live-list.js';
import { PermittedLink } from '../lib/views/permitted-link.js';
import { RouteError } from '../lib/views/route-error.js';

export const meta: MetaFunction = () => [{ title: 'SSH credentials · PCM-Ops' }];

interface ListData {
  namespace: string | null;
  rows: SshCredentialRow[];
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
    .filter((credential) => credential.spec.provider === 'ssh')
    .map(sshCredentialRow)
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return { namespace: namespace ?? null, rows, create };
}

function readyClass(ready: string): string {
  if (ready === 'True') return 'phase phase-succeeded';
  return ready === 'False' ? 'phase phase-failed' : 'phase phase-pending';
}

function Row({ row }: { row: SshCredentialRow }): ReactElement {
  const policy = HOST_KEY_POLICY_LABELS[row.hostKeyPolicy as 'AcceptNew'] ?? row.hostKeyPolicy;
  return (
    <tr data-credential={row.name}>
      <td>{row.name}</td>
      <td>{row.namespace}</td>
      <td>
        <Link to={inventoryHref(row.namespace, row.inventory)}>{row.inventory}</Link>
      </td>
      <td>
        {row.user}
        {row.sudo ? ' (sudo)' : ''}
      </td>
      <td>{policy}</td>
      <td className="mono">{row.secret}</td>
      <td>
        <span className={readyClass(row.ready)} data-ready title={row.message}>
          {row.ready === 'True' ? 'Ready' : row.reason}
        </span>
      </td>
      <td className="message">{row.ready === 'True' ? '' : row.message}</td>
      <td>
        <Link to={yamlHref('cloudcredentials', row.namespace, row.name)}>YAML</Link>
      </td>
    </tr>
  );
}

export default function SshCredentials(): ReactElement {
  const { namespace, rows, create } = useLoaderData<typeof loader>();
  useLiveList('cloudcredentials', namespace);
  const newHref = namespace
    ? `/ssh/credentials/new?namespace=${encodeURIComponent(namespace)}`
    : '/ssh/credentials/new';
  return (
    <>
      <header className="title">
        <h1>SSH credentials {namespace ? <small>namespace {namespace}</small> : null}</h1>
        <div className="actions">
          <PermittedLink permission={create} to={newHref}>
            New SSH credential
          </PermittedLink>
        </div>
      </header>
      {rows.length === 0 ? (
        <p className="muted">No SSH credentials yet.</p>
      ) : (
        <table className="grid" aria-label="SSH credentials">
          <thead>
            <tr>
              <th>Name</th>
              <th>Namespace</th>
              <th>Inventory</th>
              <th>Login user</th>
              <th>Host keys</th>
              <th>Key Secret</th>
              <th>Status</th>
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
