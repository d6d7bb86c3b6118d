/**
 * Which host keys are trusted. A key pinned in the inventory's spec is the only one accepted.
 * Without one, the credential's policy decides: Pinned refuses the host; AcceptNew trusts the
 * first key a host presents, records it in the inventory's status (a conditional write, one at
 * a time per inventory), and from then on refuses any other, as OpenSSH's accept-new does.
 */
import type { HostInventory, InventoryHost } from '@pcm-ops/crds';
import type { WatchedObjects } from '../context.js';
import type { HostKey } from './connection.js';

type Policy = 'AcceptNew' | 'Pinned';

/** The key line without a comment: type and blob. */
function keyPart(line: string): string {
  return line.split(' ').slice(0, 2).join(' ');
}

export class HostKeys {
  /** The newest copy this process wrote, per inventory: the cache may lag behind it. */
  private readonly written = new Map<string, HostInventory>();
  private readonly recording = new Map<string, Promise<unknown>>();

  constructor(
    private readonly inventories: WatchedObjects<HostInventory>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private current(namespace: string, name: string): HostInventory | undefined {
    const cached = this.inventories.get(namespace, name);
    const own = this.written.get(`${namespace}/${name}`);
    if (!own || !cached) return cached;
    const newer = Number(cached.metadata.resourceVersion) >= Number(own.metadata.resourceVersion);
    return newer ? cached : own;
  }

  /** Undefined when the key may be used; otherwise why not, in words. */
  async check(
    inventory: { namespace: string; name: string },
    host: InventoryHost,
    key: HostKey,
    policy: Policy,
  ): Promise<string | undefined> {
    if (host.hostKey) {
      if (keyPart(host.hostKey) === keyPart(key.line)) return undefined;
      return `HostKeyMismatch: ${host.name} presented ${key.fingerprint}, not the key spec.hosts pins`;
    }
    if (policy === 'Pinned')
      return `HostKeyNotPinned: ${host.name} has no spec.hosts[].hostKey and the credential's hostKeyPolicy is Pinned`;
    return this.acceptNew(inventory, host, key);
  }

  private async acceptNew(
    inventory: { namespace: string; name: string },
    host: InventoryHost,
    key: HostKey,
  ): Promise<string | undefined> {
    const id = `${inventory.namespace}/${inventory.name}`;
    const turn = (this.recording.get(id) ?? Promise.resolve()).then(() =>
      this.recordOrCompare(inventory, host, key),
    );
    this.recording.set(
      id,
      turn.catch(() => undefined),
    );
    return turn;
  }

  private async recordOrCompare(
    inventory: { namespace: string; name: string },
    host: InventoryHost,
    key: HostKey,
  ): Promise<string | undefined> {
    const stored = this.current(inventory.namespace, inventory.name);
    if (!stored) return `InventoryNotFound: HostInventory "${inventory.name}" is gone`;
    const hosts = stored.status?.hosts ?? [];
    const recorded = hosts.find((h) => h.name === host.name);
    if (recorded?.hostKey) {
      if (keyPart(recorded.hostKey) === keyPart(key.line)) return undefined;
      return `HostKeyChanged: ${host.name} presented ${key.fingerprint}, but ${recorded.fingerprint ?? 'another key'} was recorded on first use; if the change is expected, pin the new key in spec.hosts[].hostKey`;
    }
    const entry = {
      name: host.name,
      hostKey: key.line,
      fingerprint: key.fingerprint,
      firstSeenAt: this.now().toISOString(),
    };
    const written = await this.inventories.patchStatus(inventory.namespace, inventory.name, {
      metadata: { resourceVersion: stored.metadata.resourceVersion },
      status: { ...stored.status, hosts: [...hosts.filter((h) => h.name !== host.name), entry] },
    });
    this.written.set(`${inventory.namespace}/${inventory.name}`, written);
    return undefined;
  }
}
