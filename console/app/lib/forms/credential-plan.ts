// What a credential form creates: the CloudCredential, and the Secret holding what was typed for
// it (access keys, a private key), owned by the credential so that deleting one deletes both.
import { API_VERSION, type CloudCredential, type CloudCredentialInput } from '@pcm-ops/crds';
import type { FieldOf } from './form-errors.js';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'pcm-ops-console' };

/** How the form names what the API server refuses, by field. */
export interface CredentialFields {
  /** The form field showing an error at an API path of the CloudCredential. */
  fieldOf: FieldOf;
  /** A field's name in words, for messages people read; the API path when absent. */
  labelOf?: (field: string) => string | undefined;
  /** The field where the Secret's values were typed: a refusal of the Secret is shown there. */
  secretField: string;
  /** The Secret, in words: "The Secret for the keys". */
  secretWords: string;
}

export interface CredentialPlan {
  credential: CloudCredentialInput;
  /** The Secret to create first-class with the credential, when secret values were typed. */
  secret?: SecretManifest;
  fields: CredentialFields;
}

export interface SecretManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  type: 'Opaque';
  stringData: Record<string, string>;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

/** The Secret, owned by the credential so deleting the credential deletes its keys. */
export function ownedSecret(secret: SecretManifest, owner: CloudCredential): SecretManifest {
  const reference: OwnerReference = {
    apiVersion: API_VERSION,
    kind: 'CloudCredential',
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
  };
  return { ...secret, metadata: { ...secret.metadata, ownerReferences: [reference] } };
}
