// Login with a Kubernetes bearer token, checked by the API server itself; logout; who am I.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { readBody } from './body.js';
import { crossOrigin, csrfTokenMatches, CSRF_HEADER } from './csrf.js';
import { consoleError } from './proxy.js';
import {
  clearSessionCookie,
  sessionOf,
  setSessionCookie,
  type CookieSettings,
  type KubeUser,
  type SessionStore,
} from './session.js';
import { kubeRequest, readAll, type KubeTarget } from './upstream.js';

const LOGIN_BODY_LIMIT = 64 * 1024;
const LoginForm = z.object({ token: z.string().trim().min(1, 'token is required').max(16_384) });

const SelfSubjectReview = z.object({
  status: z.object({
    userInfo: z.object({
      username: z.string(),
      groups: z.array(z.string()).default([]),
    }),
  }),
});

export interface AuthDeps {
  target: KubeTarget;
  sessions: SessionStore;
  cookies: CookieSettings;
}

type Identity = { user: KubeUser } | { status: number; message: string };

/** Asks the API server who the token belongs to; a 401 means it is not a valid token. */
export async function whoIs(target: KubeTarget, token: string): Promise<Identity> {
  const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
  const response = await kubeRequest(target, {
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    token,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(review)),
  });
  const text = (await readAll(response)).toString('utf8');
  if (response.statusCode === 401) {
    return { status: 401, message: 'the API server did not accept this token' };
  }
  const parsed = SelfSubjectReview.safeParse(safeJson(text));
  if (response.statusCode !== 201 || !parsed.success) {
    return { status: 502, message: `the API server answered ${response.statusCode} to the review` };
  }
  return { user: parsed.data.status.userInfo };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseLogin(ctx: Context, raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (ctx.is('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return safeJson(text);
}

async function login(ctx: Context, deps: AuthDeps): Promise<void> {
  if (crossOrigin(ctx)) return consoleError(ctx, 403, 'cross-origin login is refused');
  const form = LoginForm.safeParse(parseLogin(ctx, await readBody(ctx, LOGIN_BODY_LIMIT)));
  if (!form.success) return consoleError(ctx, 400, 'token: a Kubernetes bearer token is required');
  const identity = await whoIs(deps.target, form.data.token).catch((error: unknown) => ({
    status: 502,
    message: `the API server could not be reached: ${(error as Error).message}`,
  }));
  if ('status' in identity) return consoleError(ctx, identity.status, identity.message);
  const session = deps.sessions.create(form.data.token, identity.user);
  setSessionCookie(ctx, deps.sessions.cookieValue(session), deps.cookies);
  ctx.body = { user: session.user, csrfToken: session.csrfToken };
}

function logout(ctx: Context, deps: AuthDeps): void {
  const session = sessionOf(ctx, deps.sessions);
  if (session && !csrfTokenMatches(session, ctx.get(CSRF_HEADER))) {
    return consoleError(ctx, 403, `logout needs the session's CSRF token in ${CSRF_HEADER}`);
  }
  if (session) deps.sessions.destroy(session);
  clearSessionCookie(ctx, deps.cookies);
  ctx.status = 204;
}

function me(ctx: Context, deps: AuthDeps): void {
  const session = sessionOf(ctx, deps.sessions);
  if (!session) return consoleError(ctx, 401, 'log in first: no valid session cookie');
  ctx.body = { user: session.user, csrfToken: session.csrfToken };
}

export function authRoutes(router: Router, deps: AuthDeps): void {
  router.post('/auth/login', (ctx) => login(ctx, deps));
  router.post('/auth/logout', (ctx) => logout(ctx, deps));
  router.get('/auth/me', (ctx) => me(ctx, deps));
}
