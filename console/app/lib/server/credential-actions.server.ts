// Creating and changing a credential, on the console server as the signed-in user, in an order
// that leaves nothing half-created: the API server checks everything first (dry run), then the
// credential is created, then the Secret owned by it. A refused Secret, or a browser the server has
// seen go before the Secret is written, removes the credential again, and the garbage collector
// takes any Secret it owned. Either both objects stay or neither does; a browser that leaves only
// after the last write finds the whole pair when it comes back.
import type { CloudCredential } from '@pcm-ops/crds';
import type { Kube, KubeReply } from './actions.server.js';
import { ownedSecret, type CredentialPlan } from '../forms/credential-plan.js';
import { statusFormErrors, type FormErrors } from '../forms/form-errors.js';
import { PCM } from '../links.js';

const DRY_RUN = '?dryRun=All';
const ABANDONED: FormErrors = {
  form: 'The request was abandoned before it finished: nothing was created.',
};

const credentialsPath = (namespace: string): string =>
  `${PCM}/namespaces/${namespace}/cloudcredentials`;
const secretsPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/secrets`;

export interface CredentialOutcome {
  /** Errors by form field; absent when the change was made. */
  errors?: FormErrors;
  /** The API server's status for a refusal, for the action's answer. */
  status?: number;
}

function refusal(reply: KubeReply, plan: CredentialPlan): CredentialOutcome {
  const { fieldOf, labelOf } = plan.fields;
  return {
    errors: statusFormErrors(reply.body, reply.status, fieldOf, labelOf),
    status: reply.status,
  };
}

/** A refusal of the Secret is shown where its values were typed: the user can act there. */
function secretRefusal(reply: KubeReply, plan: CredentialPlan): CredentialOutcome {
  const { errors = {} } = refusal(reply, plan);
  const { secretField, secretWords } = plan.fields;
  return {
    status: reply.status,
    errors: { ...errors, [secretField]: `${secretWords} was refused: ${errors.form ?? ''}` },
  };
}

/** Dry runs of everything the plan sends; the first refusal, or undefined when all would pass. */
async function dryRun(
  plan: CredentialPlan,
  kube: Kube,
  method: 'POST' | 'PUT',
): Promise<CredentialOutcome | undefined> {
  const namespace = plan.credential.metadata.namespace ?? '';
  const name = plan.credential.metadata.name ?? '';
  const target =
    method === 'POST' ? credentialsPath(namespace) : `${credentialsPath(namespace)}/${name}`;
  const checked = await kube(method, `${target}${DRY_RUN}`, plan.credential);
  if (!checked.ok) return refusal(checked, plan);
  if (!plan.secret) return undefined;
  const secret = await kube('POST', `${secretsPath(namespace)}${DRY_RUN}`, plan.secret);
  return secret.ok ? undefined : secretRefusal(secret, plan);
}

async function removeCredential(kube: Kube, owner: CloudCredential): Promise<void> {
  const { namespace = '', name = '', uid } = owner.metadata;
  // Preconditions: only the credential just created goes, never one made again since.
  await kube('DELETE', `${credentialsPath(namespace)}/${name}`, {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    preconditions: { uid },
  });
}

/**
 * Creates the credential and, for access keys, its Secret. `signal` is the browser's request: once
 * it is aborted, nothing more is created and what was is removed.
 */
export async function createCredential(
  plan: CredentialPlan,
  kube: Kube,
  signal: AbortSignal,
): Promise<CredentialOutcome> {
  const problem = await dryRun(plan, kube, 'POST');
  if (problem) return problem;
  if (signal.aborted) return { errors: ABANDONED };
  const namespace = plan.credential.metadata.namespace ?? '';
  const created = await kube('POST', credentialsPath(namespace), plan.credential);
  if (!created.ok) return refusal(created, plan);
  if (!plan.secret) return {};
  return addSecret(plan, created.body as CloudCredential, kube, signal);
}

/** The second write: the Secret owned by the credential, or, failing that, no credential either. */
async function addSecret(
  plan: CredentialPlan,
  owner: CloudCredential,
  kube: Kube,
  signal: AbortSignal,
): Promise<CredentialOutcome> {
  const namespace = owner.metadata.namespace ?? '';
  const written =
    signal.aborted || !plan.secret
      ? undefined
      : await kube('POST', secretsPath(namespace), ownedSecret(plan.secret, owner));
  if (written?.ok && !signal.aborted) return {};
  await removeCredential(kube, owner);
  return written && !written.ok ? secretRefusal(written, plan) : { errors: ABANDONED };
}

/**
 * Replaces the credential's spec, conditional on the resourceVersion the form was loaded with. New
 * keys go into a new Secret owned by the credential (Secrets are never changed through the
 * console), created before the credential points at it.
 */
export async function updateCredential(
  plan: CredentialPlan,
  stored: CloudCredential,
  kube: Kube,
): Promise<CredentialOutcome> {
  const organization = plan.credential.spec.organization
    ? { ...stored.spec.organization, ...plan.credential.spec.organization }
    : undefined;
  const credential = {
    ...plan.credential,
    metadata: { ...stored.metadata, managedFields: undefined },
    spec: { ...plan.credential.spec, organization },
  };
  const next: CredentialPlan = { ...plan, credential };
  const problem = await dryRun(next, kube, 'PUT');
  if (problem) return problem;
  const namespace = stored.metadata.namespace ?? '';
  if (plan.secret) {
    const secret = await kube('POST', secretsPath(namespace), ownedSecret(plan.secret, stored));
    if (!secret.ok) return secretRefusal(secret, plan);
  }
  const path = `${credentialsPath(namespace)}/${stored.metadata.name ?? ''}`;
  const replaced = await kube('PUT', path, credential);
  return replaced.ok ? {} : refusal(replaced, plan);
}
