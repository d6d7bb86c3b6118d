// How each provider's machines and places are called on the pages: an AWS target is an instance
// in an account and a region, an SSH target a host of an inventory (no region). Rows of several
// providers get words that fit them all.
import type { ProviderName } from '@pcm-ops/crds';

export interface MachineWords {
  /** Column heading for the machine: Instance, Host. */
  machine: string;
  /** The machines, in a sentence: instances, hosts. */
  machines: string;
  /** What one id is: an instance id, a host name. */
  id: string;
  /** Column heading for the place's scope (accountId in status and batches). */
  scope: string;
  /** Column heading for the region; null where the provider has none. */
  region: string | null;
  /** One place of a run, and several, in a sentence: an account and region, an inventory. */
  place: string;
  places: string;
}

export const MACHINE_WORDS: Record<ProviderName, MachineWords> = {
  aws: {
    machine: 'Instance',
    machines: 'instances',
    id: 'instance id',
    scope: 'Account',
    region: 'Region',
    place: 'account and region',
    places: 'accounts and regions',
  },
  ssh: {
    machine: 'Host',
    machines: 'hosts',
    id: 'host name',
    scope: 'Inventory',
    region: null,
    place: 'inventory',
    places: 'inventories',
  },
};

const MIXED: MachineWords = {
  machine: 'Machine',
  machines: 'machines',
  id: 'machine id',
  scope: 'Account or inventory',
  region: 'Region',
  place: 'place',
  places: 'places',
};

const known = (provider: string | undefined): ProviderName => (provider === 'ssh' ? 'ssh' : 'aws');

/** The words for rows of these providers (absent means aws, as the operator records it). */
export function machineWords(providers: Iterable<string | undefined>): MachineWords {
  const distinct = new Set([...providers].map(known));
  if (distinct.size > 1) return MIXED;
  const [only = 'aws'] = distinct;
  return MACHINE_WORDS[only];
}
