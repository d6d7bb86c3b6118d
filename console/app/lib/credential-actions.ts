// Creating and changing a credential from the browser, in an order that leaves nothing
// half-created: the API server checks everything first (dry run), then the credential is created,
// then the Secret owned by it; if the Secret is refused, the credential is removed again.
import type { CloudCredential } from '@pcm-ops/crds';
import { credentialFieldOf, ownedSecret, type CredentialPlan } from './credential-form.js';
import { statusFormErrors, type FormErrors } from './form-errors.js';
import { kubeSend, type KubeReply } from './kube-client.js';
import { PCM } from './links.js';

const DRY_RUN = '?dryRun=All';

const credentialsPath = (namespace: string): string =>
  `${PCM}/namespaces/${namespace}/cloudcredentials`;
const secretsPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/secrets`;

function refusal(reply: KubeReply): FormErrors {
  return statusFormErrors(reply.body, reply.status, credentialFieldOf);
}

/** A refusal of the Secret is shown on the key fields: the user can act there. */
function secretRefusal(reply: KubeReply): FormErrors {
  const errors = refusal(reply);
  return { ...errors, accessKeyId: `The Secret for the keys was refused: ${errors.form ?? ''}` };
}

/** Dry runs of everything the plan sends; the first refusal, or undefined when all would pass. */
async function dryRun(
  plan: CredentialPlan,
  csrf: string,
  method: 'POST' | 'PUT',
): Promise<FormErrors | undefined> {
  const namespace = plan.credential.metadata.namespace ?? '';
  const name = plan.credential.metadata.name ?? '';
  const target =
    method === 'POST' ? credentialsPath(namespace) : `${credentialsPath(namespace)}/${name}`;
  const checked = await kubeSend(method, `${target}${DRY_RUN}`, csrf, plan.credential);
  if (!checked.ok) return refusal(checked);
  if (!plan.secret) return undefined;
  const secret = await kubeSend('POST', `${secretsPath(namespace)}${DRY_RUN}`, csrf, plan.secret);
  return secret.ok ? undefined : secretRefusal(secret);
}

export async function createCredential(
  plan: CredentialPlan,
  csrf: string,
): Promise<FormErrors | undefined> {
  const problem = await dryRun(plan, csrf, 'POST');
  if (problem) return problem;
  const namespace = plan.credential.metadata.namespace ?? '';
  const created = await kubeSend('POST', credentialsPath(namespace), csrf, plan.credential);
  if (!created.ok) return refusal(created);
  if (!plan.secret) return undefined;
  const owner = created.body as CloudCredential;
  const secret = await kubeSend(
    'POST',
    secretsPath(namespace),
    csrf,
    ownedSecret(plan.secret, owner),
  );
  if (secret.ok) return undefined;
  await kubeSend('DELETE', `${credentialsPath(namespace)}/${owner.metadata.name ?? ''}`, csrf);
  return secretRefusal(secret);
}

/**
 * Replaces the credential's spec. New keys go into a new Secret owned by the credential (Secrets
 * are never changed through the console), created before the credential points at it.
 */
export async function updateCredential(
  plan: CredentialPlan,
  stored: CloudCredential,
  csrf: string,
): Promise<FormErrors | undefined> {
  const organization = plan.credential.spec.organization
    ? { ...stored.spec.organization, ...plan.credential.spec.organization }
    : undefined;
  const credential = {
    ...plan.credential,
    metadata: { ...stored.metadata, managedFields: undefined },
    spec: { ...plan.credential.spec, organization },
  };
  const next: CredentialPlan = { ...plan, credential };
  const problem = await dryRun(next, csrf, 'PUT');
  if (problem) return problem;
  const namespace = stored.metadata.namespace ?? '';
  if (plan.secret) {
    const secret = await kubeSend(
      'POST',
      secretsPath(namespace),
      csrf,
      ownedSecret(plan.secret, stored),
    );
    if (!secret.ok) return secretRefusal(secret);
  }
  const path = `${credentialsPath(namespace)}/${stored.metadata.name ?? ''}`;
  const replaced = await kubeSend('PUT', path, csrf, credential);
  return replaced.ok ? undefined : refusal(replaced);
}
