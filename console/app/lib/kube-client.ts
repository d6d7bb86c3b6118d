// Mutations from the browser: every one goes through the console's /k8s proxy with the session's
// CSRF token, and comes back as a value the form can show (never an exception for a refusal).
import { useRouteLoaderData } from '@remix-run/react';
import type { RootData } from '../root.js';

export interface KubeReply {
  ok: boolean;
  status: number;
  body: unknown;
}

export function useCsrfToken(): string {
  return useRouteLoaderData<RootData>('root')?.csrfToken ?? '';
}

/** One request to the API server as the signed-in user; `apiPath` starts with /api or /apis. */
export async function kubeSend(
  method: 'POST' | 'PUT' | 'DELETE',
  apiPath: string,
  csrfToken: string,
  body?: unknown,
): Promise<KubeReply> {
  try {
    const response = await fetch(`/k8s${apiPath}`, {
      method,
      headers: {
        'x-csrf-token': csrfToken,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = (await response.json().catch(() => ({}))) as unknown;
    return { ok: response.ok, status: response.status, body: answer };
  } catch (error) {
    return {
      ok: false,
      status: 0,
      body: { message: `the console could not be reached: ${String(error)}` },
    };
  }
}

/** The message of a refusal, with a 403 said plainly. */
export function replyMessage(reply: KubeReply): string {
  const message = (reply.body as { message?: unknown } | undefined)?.message;
  const text = typeof message === 'string' ? message : `the API server answered ${reply.status}`;
  return reply.status === 403 ? `Not allowed: ${text}` : text;
}
