// What every route action shares: the user's own view of the API server (through the console's
// allowlist, as the proxy would let it pass), the form post already admitted by the console server
// (session, origin and CSRF token checked before any route code runs), and answers a form can show.
import { json, redirect, type AppLoadContext, type TypedResponse } from '@remix-run/server-runtime';
import type { KubeMethod } from '../../../server/remix.js';
import type { FormErrors } from '../forms/form-errors.js';
import { consoleContext } from './kube.server.js';

export interface KubeReply {
  ok: boolean;
  status: number;
  body: unknown;
}

/** One request to the API server as the signed-in user; `apiPath` starts with /api or /apis. */
export type Kube = (method: KubeMethod, apiPath: string, body?: unknown) => Promise<KubeReply>;

export function kubeAs(context: AppLoadContext): Kube {
  const { kube, user } = consoleContext(context);
  if (!user) throw redirect('/login');
  return async (method, apiPath, body) => {
    const answer = await kube(method, apiPath, body);
    return { ok: answer.status >= 200 && answer.status < 300, ...answer };
  };
}

/** The message of a refusal, with a 403 and a stale version said plainly. */
export function replyMessage(reply: KubeReply): string {
  const body = reply.body as { message?: unknown; reason?: unknown } | undefined;
  const text =
    typeof body?.message === 'string' ? body.message : `the API server answered ${reply.status}`;
  if (reply.status === 403) return `Not allowed: ${text}`;
  if (body?.reason === 'Conflict') {
    return `It changed since this page was loaded: reload it to see the current version (${text})`;
  }
  return text;
}

/** What a form's action answers when nothing was changed: the errors and the values to show. */
export interface Refused<Values> {
  errors: FormErrors;
  values: Values;
}

/** 422 for what the user can fix in the form, 403 for RBAC, the API server's status otherwise. */
export function refused<Values>(
  errors: FormErrors,
  values: Values,
  status = 422,
): TypedResponse<Refused<Values>> {
  return json({ errors, values }, { status: status >= 400 ? status : 422 });
}
