/** What the operator hands every provider when it starts: lookups, fencing, configuration. */
import type { V1Secret } from '@kubernetes/client-node';
import type { CloudCredential } from '@pcm-ops/crds';
import type { OperatorConfig } from '../config.js';
import type { Logger } from '../log.js';

export interface ProviderContext {
  config: OperatorConfig;
  log: Logger;
  /** A CloudCredential from the informer cache. */
  credential(namespace: string, name: string): CloudCredential | undefined;
  /** A referenced Secret, read by name; throws when it cannot be read (the call is retried). */
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  /** Whether this process may still act (it holds its lease): checked right before each send. */
  mayAct(): boolean;
  /** Counts one call to a provider's service, for the metrics. */
  observeCall(call: { service: string; operation: string; outcome: string }): void;
}
