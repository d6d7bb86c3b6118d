// One HostInventory: each host with its address, port, labels, bastion, where its key stands
// (pinned, recorded on first use, not yet seen) and whether it answers, as the operator's
// discovery finds it through an SSH credential that reaches the inventory, as the user.
import { json, type LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData } from '@remix-run/react';
import { useMemo, type ReactElement } from 'react';
import type { CloudCredential, HostInventory } from '@pcm-ops/crds';
import { discoveryQueries } from '../lib/executions/discovery.js';
import { credentialChoice, type CredentialChoice } from '../lib/executions/targets.js';
import { yamlHref } from '../lib/resource-links.js';
import { kubeGet, PCM, requireUser } from '../lib/server/kube.server.js';
import { hostKeyText } from '../lib/ssh/host-keys.js';
import {
  askingCredential,
  credentialsOf,
  hostRows,
  reachability,
  reachabilityText,
  type HostRow,
  type Reachability,
} from '../lib/ssh/inventory.js';
import { sshCredentialsHref, sshRunHref } from '../lib/ssh/links.js';
import { useLiveList } from '../lib/views/live-list.js';
import { RouteError } from '../lib/views/route-error.js';
import { useDiscovery } from '../lib/views/use-discovery.js';

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export const meta: MetaFunction = ({ params }) => [
  { title: `${params.name ?? ''} · Host inventory · PCM-Ops` },
];

interface InventoryData {
  namespace: string;
  name: string;
  hosts: HostRow[];
  credentials: CredentialChoice[];
}

export async function loader({ context, params }: LoaderFunctionArgs): Promise<InventoryData> {
  requireUser(context);
  const { namespace = '', name = '' } = params;
  if (!NAME.test(namespace) || !NAME.test(name))
    throw json({ message: 'not a valid namespace or inventory name' }, { status: 404 });
  const base = `${PCM}/namespaces/${namespace}`;
  const [inventory, credentials] = await Promise.all([
    kubeGet<HostInventory>(context, `${base}/hostinventories/${name}`),
    kubeGet<{ items: CloudCredential[] }>(context, `${base}/cloudcredentials`),
  ]);
  return {
    namespace,
    name,
    hosts: hostRows(inventory),
    credentials: credentialsOf(inventory, credentials.items).map(credentialChoice),
  };
}

const REACH_CLASS: Record<Reachability['state'], string> = {
  online: 'phase phase-succeeded',
  offline: 'phase phase-failed',
  unknown: 'phase phase-pending',
  checking: 'muted',
};

function HostLine({
  host,
  reach,
}: {
  host: HostRow;
  reach: Reachability | undefined;
}): ReactElement {
  return (
    <tr data-host={host.name}>
      <td>{host.name}</td>
      <td className="mono">{host.address}</td>
      <td>{host.port}</td>
      <td>{host.labels.join(', ')}</td>
      <td>{host.bastion}</td>
      <td data-key-state={host.key.state}>{hostKeyText(host.key)}</td>
      <td>
        <span className={REACH_CLASS[reach?.state ?? 'checking']} data-reach>
          {reachabilityText(reach)}
        </span>
      </td>
    </tr>
  );
}

/** Each host's reachability, asked once through the credential that reaches the inventory. */
function useReachability(data: InventoryData): Map<string, Reachability> {
  const credential = askingCredential(data.credentials);
  const queries = useMemo(
    () =>
      credential?.ready
        ? discoveryQueries(data.namespace, credential, [''], { onlineOnly: false })
        : [],
    [credential, data.namespace],
  );
  const discovery = useDiscovery(queries);
  const names = data.hosts.map((host) => host.name);
  return reachability(names, { credential, answer: discovery.answers[0] });
}

export default function Inventory(): ReactElement {
  const data = useLoaderData<typeof loader>();
  useLiveList('hostinventories', data.namespace);
  const reach = useReachability(data);
  const through = askingCredential(data.credentials);
  return (
    <>
      <nav className="crumbs">
        <Link to="/ssh/inventories">Host inventories</Link> / {data.namespace} / {data.name}
      </nav>
      <header className="title">
        <h1>{data.name}</h1>
        <Link to={yamlHref('hostinventories', data.namespace, data.name)}>YAML</Link>
        <div className="actions">
          <Link to={sshRunHref(data.namespace)}>Run a script on these hosts</Link>
        </div>
      </header>
      <p className="muted" data-reached-through>
        {through ? (
          <>Reachability through SSH credential {through.name}.</>
        ) : (
          <>
            No SSH credential reaches this inventory yet:{' '}
            <Link to={sshCredentialsHref(data.namespace)}>add one</Link>.
          </>
        )}
      </p>
      <table className="grid" aria-label="Hosts">
        <thead>
          <tr>
            <th>Host</th>
            <th>Address</th>
            <th>Port</th>
            <th>Labels</th>
            <th>Bastion</th>
            <th>Host key</th>
            <th>Reachable</th>
          </tr>
        </thead>
        <tbody>
          {data.hosts.map((host) => (
            <HostLine key={host.name} host={host} reach={reach.get(host.name)} />
          ))}
        </tbody>
      </table>
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
