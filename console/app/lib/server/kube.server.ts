// Loader helpers: read the API server as the signed-in user, through the console's allowlist.
// 401 sends the user to /login; any other refusal becomes the route's error view.
import { json, redirect, type AppLoadContext } from '@remix-run/server-runtime';
import type { KubeUser } from '../../../server/session.js';
import type { ConsoleLoadContext } from '../../../server/remix.js';

export { PCM } from '../links.js';

export function consoleContext(context: AppLoadContext): ConsoleLoadContext {
  return context as unknown as ConsoleLoadContext;
}

export function requireUser(context: AppLoadContext): KubeUser {
  const user = consoleContext(context).user;
  if (!user) throw redirect('/login');
  return user;
}

function messageOf(body: unknown, status: number): string {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : `the API server answered ${status}`;
}

export async function kubeGet<T>(context: AppLoadContext, apiPath: string): Promise<T> {
  const answer = await consoleContext(context).kube('GET', apiPath);
  if (answer.status === 401) throw redirect('/login');
  if (answer.status >= 400) {
    throw json({ message: messageOf(answer.body, answer.status) }, { status: answer.status });
  }
  return answer.body as T;
}

/** What a page can do without: a read that is refused (RBAC, gone) gives `fallback`. */
export async function kubeGetOr<T>(
  context: AppLoadContext,
  apiPath: string,
  fallback: T,
): Promise<T> {
  const answer = await consoleContext(context).kube('GET', apiPath);
  if (answer.status === 401) throw redirect('/login');
  return answer.status >= 400 ? fallback : (answer.body as T);
}

/**
 * The namespace a page shows: `?namespace=`, else a ServiceAccount's own namespace, else all
 * (undefined), which needs cluster-wide list rights.
 */
export function pageNamespace(user: KubeUser, url: URL): string | undefined {
  const asked = url.searchParams.get('namespace');
  if (asked) return asked;
  return /^system:serviceaccount:([^:]+):/.exec(user.username)?.[1];
}

export interface Permission {
  allowed: boolean;
  reason: string;
}

/** Asks the API server whether the user may `verb` the given resource (PCM-Ops unless `group`). */
export async function canI(
  context: AppLoadContext,
  attributes: { verb: string; resource: string; namespace: string; name?: string; group?: string },
): Promise<Permission> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { group: 'pcm-ops.io', ...attributes } },
  };
  const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  const answer = await consoleContext(context).kube('POST', path, review);
  const status = (answer.body as { status?: { allowed?: boolean; reason?: string } }).status;
  if (answer.status !== 201 || !status) {
    return { allowed: false, reason: 'could not check your permissions' };
  }
  const what = `${attributes.verb} ${attributes.resource} in ${attributes.namespace}`;
  return status.allowed
    ? { allowed: true, reason: '' }
    : { allowed: false, reason: `Kubernetes RBAC does not let you ${what}` };
}
