// Where a host's key stands, from its HostInventory: pinned in the spec (the only key accepted),
// recorded by the operator on first use (with its fingerprint and when), or not yet seen.
import type { HostInventoryStatus, InventoryHost } from '@pcm-ops/crds';

type RecordedHost = NonNullable<HostInventoryStatus['hosts']>[number];

export type HostKeyState =
  | { state: 'pinned'; keyType: string; fingerprint?: string }
  | { state: 'recorded'; keyType: string; fingerprint: string; firstSeenAt: string }
  | { state: 'unseen' };

/** The key's type and blob: a comment after them does not make another key. */
const keyOf = (line: string | undefined): string => (line ?? '').split(' ').slice(0, 2).join(' ');
const typeOf = (line: string): string => line.split(' ')[0] ?? '';

function pinned(hostKey: string, recorded: RecordedHost | undefined): HostKeyState {
  const same = recorded?.fingerprint && keyOf(recorded.hostKey) === keyOf(hostKey);
  return {
    state: 'pinned',
    keyType: typeOf(hostKey),
    ...(same ? { fingerprint: recorded.fingerprint } : {}),
  };
}

export function hostKeyState(
  host: Pick<InventoryHost, 'name' | 'hostKey'>,
  status: HostInventoryStatus | undefined,
): HostKeyState {
  const recorded: RecordedHost | undefined = status?.hosts?.find((h) => h.name === host.name);
  if (host.hostKey) return pinned(host.hostKey, recorded);
  if (!recorded?.hostKey || !recorded.fingerprint) return { state: 'unseen' };
  return {
    state: 'recorded',
    keyType: typeOf(recorded.hostKey),
    fingerprint: recorded.fingerprint,
    firstSeenAt: recorded.firstSeenAt ?? '',
  };
}

/** The state in words, for the hosts table. */
export function hostKeyText(key: HostKeyState): string {
  switch (key.state) {
    case 'pinned':
      return `Pinned in the inventory (${key.keyType}${key.fingerprint ? ` ${key.fingerprint}` : ''})`;
    case 'recorded':
      return `Recorded on first use: ${key.keyType} ${key.fingerprint}${key.firstSeenAt ? `, first seen ${key.firstSeenAt}` : ''}`;
    case 'unseen':
      return 'Not yet seen';
  }
}
