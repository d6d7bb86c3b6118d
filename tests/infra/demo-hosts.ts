// The demo's Linux hosts: real Debian sshd processes on loopback (sshd.ts) standing in for the
// hosts of docs/examples/06-linux-hosts-over-ssh.yaml. The example is applied as written, with
// what only the running hosts can give filled in: each host's address and port, the bastion's real
// key where the example pins one, the login key in the Secret and the fleet's sudo user.
import { parseAllDocuments, stringify } from 'yaml';
import { assertCanRunSshd, startSshFleet, type SshFleet, type SshHost } from './sshd.js';

/** One host of the demo's inventory, as the banner lists it. */
export interface DemoLinuxHost {
  name: string;
  address: string;
  port: number;
  labels: Record<string, string>;
  bastion?: string;
}

export interface DemoLinuxHosts {
  fleet: SshFleet;
  hosts: DemoLinuxHost[];
  /** the example with the running hosts' addresses, keys and login filled in */
  manifest: string;
  inventory: string;
  credential: string;
}

interface InventoryHost {
  name: string;
  address: string;
  port?: number;
  labels?: Record<string, string>;
  hostKey?: string;
  bastion?: string;
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  stringData?: Record<string, string>;
}

function inventoryHosts(docs: Manifest[]): InventoryHost[] {
  const inventory = docs.find((d) => d.kind === 'HostInventory');
  const hosts = (inventory?.spec?.hosts ?? []) as InventoryHost[];
  if (hosts.length === 0) throw new Error('the SSH example holds no HostInventory with hosts');
  return hosts;
}

/** Which host of the fleet stands in for each host of the example: one bastion, as the fleet has. */
function standIns(hosts: InventoryHost[], fleet: SshFleet): Map<string, SshHost> {
  const bastions = new Set(hosts.flatMap((h) => (h.bastion ? [h.bastion] : [])));
  if (bastions.size > 1) throw new Error('the demo fleet has one bastion; the example names more');
  const direct = [...fleet.hosts];
  const hidden = [...fleet.hidden];
  const pick = (host: InventoryHost): SshHost | undefined => {
    if (bastions.has(host.name)) return fleet.bastion;
    return host.bastion ? hidden.shift() : direct.shift();
  };
  return new Map(hosts.map((host) => [host.name, pick(host)!]));
}

function fillIn(docs: Manifest[], fleet: SshFleet, standIn: Map<string, SshHost>): void {
  for (const doc of docs) {
    if (doc.kind === 'HostInventory') {
      for (const host of inventoryHosts([doc])) {
        const real = standIn.get(host.name)!;
        host.address = real.address;
        host.port = real.port;
        if (host.hostKey) host.hostKey = real.hostKey;
      }
    }
    if (doc.kind === 'Secret' && doc.stringData) {
      doc.stringData.privateKey = fleet.userKey.privateKey;
    }
    if (doc.kind === 'CloudCredential') {
      (doc.spec!.ssh as { user: string }).user = fleet.users.sudo;
    }
  }
}

/** Why this machine cannot run the demo's Linux hosts (not root, no sshd), or undefined. */
export function linuxHostsUnavailable(): string | undefined {
  try {
    assertCanRunSshd();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Starts sshd hosts for every host of the example and returns the example adapted to them. */
export async function startDemoLinuxHosts(example: string): Promise<DemoLinuxHosts> {
  const docs = parseAllDocuments(example).map((d) => d.toJS() as Manifest);
  const hosts = inventoryHosts(docs);
  const bastions = new Set(hosts.flatMap((h) => (h.bastion ? [h.bastion] : [])));
  const fleet = await startSshFleet({
    hosts: hosts.filter((h) => !h.bastion && !bastions.has(h.name)).length,
    hidden: hosts.filter((h) => h.bastion).length,
  });
  try {
    fillIn(docs, fleet, standIns(hosts, fleet));
  } catch (error) {
    await fleet.stop();
    throw error;
  }
  const inventory = docs.find((d) => d.kind === 'HostInventory')!.metadata.name;
  const credential = docs.find((d) => d.kind === 'CloudCredential')!.metadata.name;
  return {
    fleet,
    hosts: inventoryHosts(docs).map((h) => ({
      name: h.name,
      address: h.address,
      port: h.port!,
      labels: h.labels ?? {},
      ...(h.bastion ? { bastion: h.bastion } : {}),
    })),
    manifest: docs.map((d) => stringify(d)).join('---\n'),
    inventory,
    credential,
  };
}
