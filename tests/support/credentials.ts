// Manifests for the credentials most tests stand on: a hub from a Secret of access keys, and
// per-account credentials that assume a role through it.
import type { V1Secret } from '@kubernetes/client-node';
import type { PcmObject } from './objects.js';

type Manifest = Omit<PcmObject, 'apiVersion'>;

/** A Secret holding an access key pair (made-up values the emulator accepts). */
export function keysSecret(name: string, accessKeyId: string, secretAccessKey: string): V1Secret {
  return { metadata: { name }, stringData: { accessKeyId, secretAccessKey } };
}

/** A CloudCredential that signs with the keys in the named Secret. */
export function secretCredential(name: string, secretName: string): Manifest {
  return {
    kind: 'CloudCredential',
    metadata: { name },
    spec: { aws: { source: { secretRef: { name: secretName } } } },
  };
}

/** A CloudCredential that assumes `pcm-ops` in the account through the named source credential. */
export function assumedCredential(
  name: string,
  account: string,
  defaultRegion: string,
  source = 'hub',
): Manifest {
  return {
    kind: 'CloudCredential',
    metadata: { name },
    spec: {
      aws: {
        defaultRegion,
        source: {
          assumeRole: {
            roleArn: `arn:aws:iam::${account}:role/pcm-ops`,
            sourceCredentialRef: { name: source },
          },
        },
      },
    },
  };
}
