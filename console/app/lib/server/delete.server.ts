// Deleting, and reading the object a form was loaded with, in route actions as the user.
import { json, redirect } from '@remix-run/server-runtime';
import { replyMessage, type Kube, type KubeReply } from './actions.server.js';
import { textOf } from '../forms/form-data.js';

/** The form field that says which of a page's actions a post is for. */
export const INTENT = 'intent';

/** Deletes the object at `apiPath` and goes to `after`; a refusal is shown by the button. */
export async function deleteAs(kube: Kube, apiPath: string, after: string): Promise<Response> {
  const reply = await kube('DELETE', apiPath);
  if (reply.ok || reply.status === 404) return redirect(after);
  return json({ deleteProblem: replyMessage(reply) }, { status: reply.status });
}

/**
 * The object as stored, made to carry a resourceVersion that refuses the write that follows with a
 * conflict if its spec changed since the person saw it. The operator writes status all the time
 * (a credential revalidated, a suspended run resolving its targets) and status is not what the
 * person reviewed: while the stored generation is the one the form was loaded at, the write goes
 * against the version stored now; once the spec moved, against the version the form showed. A
 * refusal to read is the page's error view.
 */
export async function stored<
  T extends { metadata: { resourceVersion?: string; generation?: number } },
>(kube: Kube, apiPath: string, data: FormData): Promise<T> {
  const reply = await kube('GET', apiPath);
  if (!reply.ok) throw json({ message: replyMessage(reply) }, { status: reply.status });
  const current = reply.body as T;
  const seen = textOf(data, 'resourceVersion');
  const generation = textOf(data, 'generation');
  if (!seen || (generation && generation === String(current.metadata.generation ?? ''))) {
    return current;
  }
  return { ...current, metadata: { ...current.metadata, resourceVersion: seen } };
}

/** Conflicts from status writes retried before the conflict is shown to the person. */
const WRITE_ATTEMPTS = 3;

/**
 * Runs `write` against the object as `stored` gives it, and again with a fresh read when the
 * API server answers with a conflict that a status write caused (the spec still the one seen).
 * A conflict from a changed spec is answered as it is: the person must look again.
 */
export async function writeSeen<
  T extends { metadata: { resourceVersion?: string; generation?: number } },
>(
  kube: Kube,
  apiPath: string,
  data: FormData,
  write: (current: T) => Promise<KubeReply>,
): Promise<KubeReply> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await stored<T>(kube, apiPath, data);
    const reply = await write(current);
    const specSeen = textOf(data, 'generation') === String(current.metadata.generation ?? '');
    if (reply.status !== 409 || !specSeen || attempt >= WRITE_ATTEMPTS) return reply;
  }
}
