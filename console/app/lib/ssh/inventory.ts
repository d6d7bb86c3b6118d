// The SSH section's views over HostInventory objects: one line per inventory, one row per host
// (address, labels, bastion, host-key state), and each host's reachability as the operator's
// discovery answers it through a Ready credential that reaches the inventory.
import type { CloudCredential, HostInventory } from '@pcm-ops/crds';
import { answerMessage, type DiscoveryAnswer } from '../executions/discovery.js';
import type { CredentialChoice } from '../executions/targets.js';
import { hostKeyState, type HostKeyState } from './host-keys.js';

export interface InventoryRow {
  namespace: string;
  name: string;
  hosts: number;
  /** Hosts whose key is pinned in the spec, and whose key was recorded on first use. */
  pinned: number;
  recorded: number;
  /** The SSH credentials that reach it. */
  credentials: string[];
}

/** The SSH credentials of `inventory`'s namespace that name it in spec.ssh.inventoryRef. */
export function credentialsOf(
  inventory: HostInventory,
  credentials: readonly CloudCredential[],
): CloudCredential[] {
  const { namespace, name } = inventory.metadata;
  return credentials.filter(
    (c) =>
      c.spec.provider === 'ssh' &&
      c.metadata.namespace === namespace &&
      c.spec.ssh?.inventoryRef.name === name,
  );
}

export function inventoryRow(
  inventory: HostInventory,
  credentials: readonly CloudCredential[],
): InventoryRow {
  const keys = inventory.spec.hosts.map((host) => hostKeyState(host, inventory.status).state);
  return {
    namespace: inventory.metadata.namespace ?? '',
    name: inventory.metadata.name ?? '',
    hosts: inventory.spec.hosts.length,
    pinned: keys.filter((state) => state === 'pinned').length,
    recorded: keys.filter((state) => state === 'recorded').length,
    credentials: credentialsOf(inventory, credentials).map((c) => c.metadata.name ?? ''),
  };
}

export interface HostRow {
  name: string;
  address: string;
  port: number;
  /** key=value, in the order the inventory gives them. */
  labels: string[];
  bastion: string;
  key: HostKeyState;
}

export function hostRows(inventory: HostInventory): HostRow[] {
  return inventory.spec.hosts.map((host) => ({
    name: host.name,
    address: host.address,
    port: host.port ?? 22,
    labels: Object.entries(host.labels ?? {}).map(([key, value]) => `${key}=${value}`),
    bastion: host.bastion ?? '',
    key: hostKeyState(host, inventory.status),
  }));
}

/** The credential discovery asks about the hosts: a Ready one first, by name. */
export function askingCredential(
  choices: readonly CredentialChoice[],
): CredentialChoice | undefined {
  const sorted = [...choices].sort((a, b) => a.name.localeCompare(b.name));
  return sorted.find((c) => c.ready) ?? sorted[0];
}

export type Reachability =
  | { state: 'checking' }
  | { state: 'online' }
  | { state: 'offline' }
  | { state: 'unknown'; why: string };

/** Each host's reachability from the operator's answer, or why it is not known. */
export function reachability(
  hosts: readonly string[],
  asked: { credential: CredentialChoice | undefined; answer: DiscoveryAnswer | undefined },
): Map<string, Reachability> {
  const { credential, answer } = asked;
  const every = (state: Reachability): Map<string, Reachability> =>
    new Map(hosts.map((host) => [host, state]));
  if (!credential) return every({ state: 'unknown', why: 'no SSH credential reaches it' });
  if (!credential.ready)
    return every({ state: 'unknown', why: `${credential.name} is ${credential.reason}` });
  if (!answer) return every({ state: 'checking' });
  if (answer.status !== 200) return every({ state: 'unknown', why: answerMessage(answer) });
  const body = answer.body as { instances?: { instanceId: string; online?: boolean }[] };
  const online = new Set(
    (body.instances ?? []).filter((i) => i.online).map((instance) => instance.instanceId),
  );
  return new Map(
    hosts.map((host) => [host, online.has(host) ? { state: 'online' } : { state: 'offline' }]),
  );
}

export function reachabilityText(reach: Reachability | undefined): string {
  switch (reach?.state) {
    case 'online':
      return 'Online';
    case 'offline':
      return 'Not answering';
    case 'unknown':
      return `Unknown: ${reach.why}`;
    default:
      return 'Checking…';
  }
}
