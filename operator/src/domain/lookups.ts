import type { CloudCredential, Script } from '@pcm-ops/crds';

/** Objects read from the informer caches. */
export interface Lookups {
  script(namespace: string, name: string): Script | undefined;
  credential(namespace: string, name: string): CloudCredential | undefined;
}
