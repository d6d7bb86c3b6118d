// Bearer tokens for the operator's API, as a person or a pipeline holds them: a ServiceAccount's
// token, with a Role that allows exactly what a test asks for in its namespace.
import { RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import type { Harness } from './harness.js';
import { adminKubeConfig } from './kube.js';

/** A token of a new ServiceAccount `name` allowed `rules` in the harness's namespace. */
export async function tokenWith(h: Harness, name: string, rules: V1PolicyRule[]): Promise<string> {
  const namespace = h.namespace;
  await h.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const issued = await h.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  return issued.status!.token!;
}

/** A token that may read the harness's executions, and so their full output. */
export function executionReaderToken(h: Harness): Promise<string> {
  return tokenWith(h, 'output-reader', [
    { apiGroups: ['pcm-ops.io'], resources: ['scriptexecutions'], verbs: ['get'] },
  ]);
}
