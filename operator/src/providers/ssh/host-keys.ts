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
  /**
   * The copy this process last wrote, per inventory, and the versions its writes replaced: until
   * the cache shows the copy, a cache at one of those older versions lags behind this process's
   * own writes. Versions are compared for equality only, as everywhere in the operator.
   */
  private readonly written = new Map<string, { older: Set<string>; copy: HostInventory }>();
  private readonly recording = new Map<string, Promise<unknown>>();

  constructor(
    private readonly inventories: WatchedObjects<HostInventory>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private current(namespace: string, name: string): HostInventory | undefined {
    const id = `${namespace}/${name}`;
    const cached = this.inventories.get(namespace, name);
    const own = this.written.get(id);
    if (!own || !cached) return cached;
    if (own.older.has(cached.metadata.resourceVersion ?? '')) return own.copy;
    // the cache caught up with the write, or moved past it: it is the newer copy
    this.written.delete(id);
    return cached;
  }

  /** Keeps the copy written over `stored` as the newest one, until the cache shows it. */
  private remember(stored: HostInventory, written: HostInventory): void {
    const id = `${stored.metadata.namespace ?? ''}/${stored.metadata.name ?? ''}`;
    const older = this.written.get(id)?.older ?? new Set<string>();
    older.add(stored.metadata.resourceVersion ?? '');
    this.written.set(id, { older, copy: written });
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
    this.remember(stored, written);
    return undefined;
  }
}
