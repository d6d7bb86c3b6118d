/** What the operator hands every provider when it starts: lookups, fencing, configuration. */
import type { V1Secret } from '@kubernetes/client-node';
import type { CloudCredential, KindDefinition } from '@pcm-ops/crds';
import type { OperatorConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { OutputBucket } from './output-bucket.js';

/** Objects of a kind a provider owns (an inventory of hosts), from an informer's cache. */
export interface WatchedObjects<T> {
  get(namespace: string, name: string): T | undefined;
  /** Merge-patches the status; the body carries the resourceVersion it was computed from. */
  patchStatus(namespace: string, name: string, body: object): Promise<T>;
}

export interface ProviderContext {
  config: OperatorConfig;
  log: Logger;
  /** A CloudCredential from the informer cache. */
  credential(namespace: string, name: string): CloudCredential | undefined;
  /** A referenced Secret, read by name; throws when it cannot be read (the call is retried). */
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  /** Whether this process may still act (it holds its lease): checked right before each send. */
  mayAct(): boolean;
  /**
   * Watches a kind the provider owns: its informer syncs before any reconcile, as the engine's
   * own do. `onChange` is told of every change (to reconcile the credentials that use it).
   */
  watch<T>(kind: KindDefinition, onChange?: (object: T) => void): WatchedObjects<T>;
  /** Validates again the credentials of a namespace that `uses` picks. */
  requeueCredentials(namespace: string, uses: (credential: CloudCredential) => boolean): void;
  /**
   * The bucket for full output beyond what the provider keeps inline (PCM_OPS_OUTPUT_BUCKET),
   * reached with the operator's own identity; unset when none is configured. Keys follow the
   * layout in output-bucket.ts: a provider writes under `outputBucket.providerPrefix(name)`.
   */
  outputBucket?: OutputBucket;
  /** Counts one call to a provider's service, for the metrics. */
  observeCall(call: { service: string; operation: string; outcome: string }): void;
}
