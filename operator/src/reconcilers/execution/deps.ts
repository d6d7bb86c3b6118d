import type { V1Secret } from '@kubernetes/client-node';
import type { Lookups } from '../../domain/lookups.js';
import type { Providers } from '../../domain/provider.js';
import type { ExecutionStore } from '../../domain/store.js';
import type { EventInput } from '../../k8s/events.js';
import type { Logger } from '../../log.js';

export type { Lookups };

/** Referenced Secrets, read by name (undefined when there is none). */
export interface Secrets {
  get(namespace: string, name: string): Promise<V1Secret | undefined>;
}

export interface Events {
  record(
    object: { metadata: { uid?: string; name?: string; namespace?: string } },
    event: EventInput,
  ): Promise<void>;
}

/** How long the engine waits on the things that go wrong. */
export interface Timing {
  /** A batch caught mid-send is looked up by its comment only once it is this old. */
  sendSettleMs: number;
  /** A sent batch whose outcome cannot be read for this long is given up as Unknown. */
  unreachableGraceMs: number;
  /** A deleted execution retries failing CancelCommands for this long, then lets go. */
  cancelGraceMs: number;
  /** Backoff of a location whose calls fail: from min, doubling to max. */
  backoffMs: { min: number; max: number };
}

export const DEFAULT_TIMING: Timing = {
  sendSettleMs: 5_000,
  unreachableGraceMs: 120_000,
  cancelGraceMs: 60_000,
  backoffMs: { min: 1_000, max: 60_000 },
};

export interface ExecutionDeps {
  store: ExecutionStore;
  lookups: Lookups;
  secrets: Secrets;
  /** The providers, each reached through the credentials that name it. */
  providers: Providers;
  events: Events;
  log: Logger;
  now: () => Date;
  /** Poll interval bounds while commands run: fast after a change, slower when nothing moves. */
  pollMs: { min: number; max: number };
  /** How many provider calls one reconcile makes at once (sends, polls). */
  parallelism: number;
  timing: Timing;
  /** Counts one poll of one command, for the API-economy figures. */
  countPoll?: () => void;
  /** Namespaces whose credentials may use the operator's own identity; undefined means any. */
  ambientNamespaces?: ReadonlySet<string>;
}
