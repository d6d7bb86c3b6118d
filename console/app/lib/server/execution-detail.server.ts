// The detail page's reads: the execution, its batches and the user's permissions, as the user.
import { json, type AppLoadContext } from '@remix-run/server-runtime';
import type { CloudCredential, ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';
import { withProviders, withRowProviders } from '../executions/executions.js';
import { canI, kubeGet, kubeGetOr, requireUser, type Permission } from './kube.server.js';
import { PCM } from '../links.js';

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface ExecutionReads {
  namespace: string;
  name: string;
  execution: ScriptExecution;
  batches: ExecutionBatch[];
}

/** The execution named by the route and its batches; 404 for names Kubernetes cannot hold. */
export async function readExecution(
  context: AppLoadContext,
  params: { namespace?: string; name?: string },
): Promise<ExecutionReads> {
  requireUser(context);
  const namespace = params.namespace ?? '';
  const name = params.name ?? '';
  if (!NAME.test(namespace) || !NAME.test(name)) {
    throw json({ message: 'not a valid namespace or execution name' }, { status: 404 });
  }
  const base = `${PCM}/namespaces/${namespace}`;
  const selector = encodeURIComponent(`pcm-ops.io/execution=${name}`);
  const [execution, batches, credentials] = await Promise.all([
    kubeGet<ScriptExecution>(context, `${base}/scriptexecutions/${name}`),
    kubeGet<{ items: ExecutionBatch[] }>(
      context,
      `${base}/executionbatches?labelSelector=${selector}`,
    ),
    // only for the providers of the batches' places: a user who may not list them sees AWS words
    kubeGetOr<{ items: CloudCredential[] }>(context, `${base}/cloudcredentials`, { items: [] }),
  ]);
  // Batches left by an earlier execution of the same name (not yet collected) are not this run's.
  const uid = execution.metadata.uid;
  const current = batches.items.filter((batch) => {
    const owners = (batch.metadata.ownerReferences ?? []) as { uid?: string }[];
    return owners.length === 0 || owners.some((owner) => owner.uid === uid);
  });
  const status = execution.status && withRowProviders(execution.status, credentials.items);
  return {
    namespace,
    name,
    execution: { ...execution, ...(status ? { status } : {}) },
    batches: withProviders(current, credentials.items),
  };
}

/** '' when the user may `verb` scriptexecutions in the namespace, else why not. */
export async function mayI(
  context: AppLoadContext,
  verb: string,
  namespace: string,
  name?: string,
): Promise<string> {
  const permission: Permission = await canI(context, {
    verb,
    resource: 'scriptexecutions',
    namespace,
    ...(name ? { name } : {}),
  });
  return permission.allowed ? '' : permission.reason;
}
