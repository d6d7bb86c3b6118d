// Every HostInventory: how many hosts it lists, how many keys are pinned or were recorded on first
// use, and the SSH credentials that reach it. The list follows changes live.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { CloudCredential, HostInventory } from '@pcm-ops/crds';
import { yamlHref } from '../lib/resource-links.js';
import { kubeGet, PCM, pageNamespace, requireUser } from '../lib/server/kube.server.js';
import { inventoryHref } from '../lib/ssh/links.js';
import { inventoryRow, type InventoryRow } from '../lib/ssh/inventory.js';
import { useLiveList } from '../lib/views/live-list.js';
import { RouteError } from '../lib/views/route-error.js';

export const meta: MetaFunction = () => [{ title: 'Host inventories · PCM-Ops' }];

interface ListData {
  namespace: string | null;
  rows: InventoryRow[];
}

export async function loader({ context, request }: LoaderFunctionArgs): Promise<ListData> {
  const user = requireUser(context);
  const namespace = pageNamespace(user, new URL(request.url));
  const scope = namespace ? `/namespaces/${namespace}` : '';
  const [inventories, credentials] = await Promise.all([
    kubeGet<{ items: HostInventory[] }>(context, `${PCM}${scope}/hostinventories`),
    kubeGet<{ items: CloudCredential[] }>(context, `${PCM}${scope}/cloudcredentials`),
  ]);
  const rows = inventories.items
    .map((inventory) => inventoryRow(inventory, credentials.items))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  return { namespace: namespace ?? null, rows };
}

function Row({ row }: { row: InventoryRow }): ReactElement {
  return (
    <tr data-inventory={row.name}>
      <td>
        <Link to={inventoryHref(row.namespace, row.name)}>{row.name}</Link>
      </td>
      <td>{row.namespace}</td>
      <td>{row.hosts}</td>
      <td>{row.pinned}</td>
      <td>{row.recorded}</td>
      <td>{row.credentials.length ? row.credentials.join(', ') : 'none yet'}</td>
      <td>
        <Link to={yamlHref('hostinventories', row.namespace, row.name)}>YAML</Link>
      </td>
    </tr>
  );
}

export default function Inventories(): ReactElement {
  const { namespace, rows } = useLoaderData<typeof loader>();
  useLiveList('hostinventories', namespace);
  return (
    <>
      <h1>Host inventories {namespace ? <small>namespace {namespace}</small> : null}</h1>
      {rows.length === 0 ? (
        <p className="muted">
          No HostInventory yet: apply one with kubectl (see docs/examples), then reach its hosts
          with an SSH credential.
        </p>
      ) : (
        <table className="grid" aria-label="Host inventories">
          <thead>
            <tr>
              <th>Name</th>
              <th>Namespace</th>
              <th>Hosts</th>
              <th>Keys pinned</th>
              <th>Keys recorded</th>
              <th>SSH credentials</th>
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
