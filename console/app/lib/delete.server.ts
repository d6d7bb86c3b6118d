// Deleting, and reading the object a form was loaded with, in route actions as the user.
import { json, redirect } from '@remix-run/server-runtime';
import { replyMessage, type Kube } from './actions.server.js';
import { textOf } from './form-data.js';

/** The form field that says which of a page's actions a post is for. */
export const INTENT = 'intent';

/** Deletes the object at `apiPath` and goes to `after`; a refusal is shown by the button. */
export async function deleteAs(kube: Kube, apiPath: string, after: string): Promise<Response> {
  const reply = await kube('DELETE', apiPath);
  if (reply.ok || reply.status === 404) return redirect(after);
  return json({ deleteProblem: replyMessage(reply) }, { status: reply.status });
}

/**
 * The object as stored, carrying the resourceVersion the form was loaded at (its hidden field), so
 * the write that follows is refused with a conflict if anyone changed the object since the person
 * saw it. A refusal to read is the page's error view.
 */
export async function stored<T extends { metadata: { resourceVersion?: string } }>(
  kube: Kube,
  apiPath: string,
  data: FormData,
): Promise<T> {
  const reply = await kube('GET', apiPath);
  if (!reply.ok) throw json({ message: replyMessage(reply) }, { status: reply.status });
  const current = reply.body as T;
  const seen = textOf(data, 'resourceVersion');
  return seen ? { ...current, metadata: { ...current.metadata, resourceVersion: seen } } : current;
}
