// Login with a Kubernetes bearer token, checked by the API server itself; logout; who am I; and
// sessions for the token an authenticating proxy in front (OIDC) passes on every request.
import { createHash } from 'node:crypto';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { readBody } from './body.js';
import { crossOrigin, csrfTokenMatches, CSRF_FIELD, CSRF_HEADER } from './csrf.js';
import { consoleError } from './proxy.js';
import {
  clearSessionCookie,
  SESSION_COOKIE,
  sessionOf,
  setSessionCookie,
  type CookieSettings,
  type KubeUser,
  type Session,
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
  // A form the browser sent itself (no JavaScript) goes on to the console; a script gets JSON.
  if (ctx.is(FORM_TYPE)) return seeOther(ctx, '/');
  ctx.body = { user: session.user, csrfToken: session.csrfToken };
}

const FORM_TYPE = 'application/x-www-form-urlencoded';

function seeOther(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}

/** The CSRF token of a logout: the header a script sets, or the field of a plain form. */
async function logoutToken(ctx: Context): Promise<string | undefined> {
  if (!ctx.is(FORM_TYPE)) return ctx.get(CSRF_HEADER) || undefined;
  const body = await readBody(ctx, LOGIN_BODY_LIMIT);
  return new URLSearchParams(body.toString('utf8')).get(CSRF_FIELD) ?? undefined;
}

async function logout(ctx: Context, deps: AuthDeps): Promise<void> {
  const session = sessionOf(ctx, deps.sessions);
  if (session && !csrfTokenMatches(session, await logoutToken(ctx))) {
    return consoleError(ctx, 403, `logout needs the session's CSRF token in ${CSRF_HEADER}`);
  }
  if (session) deps.sessions.destroy(session);
  clearSessionCookie(ctx, deps.cookies);
  if (ctx.is(FORM_TYPE)) return seeOther(ctx, '/login');
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

// ---------------------------------------------------------------------------------------------
// behind an authenticating proxy (oauth2-proxy and the like)

const BEARER = /^Bearer\s+(\S+)$/i;
const MAX_TOKEN_CHARS = 16_384;

/**
 * The token an authenticating proxy put in `header`: `Bearer <token>` in Authorization, the raw
 * value in any other header (for example X-Forwarded-Access-Token); undefined when absent.
 */
export function proxiedToken(header: string, value: string | undefined): string | undefined {
  const raw = value?.trim();
  if (!raw || raw.length > MAX_TOKEN_CHARS) return undefined;
  if (header.toLowerCase() !== 'authorization') return /^\S+$/.test(raw) ? raw : undefined;
  return BEARER.exec(raw)?.[1];
}

/** When a JWT says it expires (`exp`, in seconds), in ms; undefined for any other token. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  const claims = safeJson(Buffer.from(payload, 'base64url').toString('utf8')) as
    { exp?: unknown } | undefined;
  return typeof claims?.exp === 'number' ? claims.exp * 1000 : undefined;
}

/** The Cookie header with the console's session cookie replaced by `value`. */
export function withSessionCookie(header: string | undefined, value: string): string {
  const others = (header ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !part.startsWith(`${SESSION_COOKIE}=`));
  return [...others, `${SESSION_COOKIE}=${value}`].join('; ');
}

export interface ProxyAuthDeps {
  target: KubeTarget;
  sessions: SessionStore;
  /** The request header the proxy sets, for example `authorization`; none: no proxy in front. */
  header: string | undefined;
}

const digest = (token: string): string => createHash('sha256').update(token).digest('base64url');

/**
 * One session per proxied token, made by the same review as a login: the API server decides who
 * the token belongs to, so the header grants nothing a pasted token would not. The session lives
 * no longer than the token; a refreshed token from the proxy starts a new one.
 */
class ProxiedSessions {
  private readonly byToken = new Map<string, string>();

  constructor(private readonly deps: ProxyAuthDeps & { header: string }) {}

  async sessionFor(token: string): Promise<Session | { status: number; message: string }> {
    const key = digest(token);
    const known = this.deps.sessions.fromCookie(this.byToken.get(key));
    if (known) return known;
    const identity = await whoIs(this.deps.target, token).catch((error: unknown) => ({
      status: 502,
      message: `the API server could not be reached: ${(error as Error).message}`,
    }));
    if ('status' in identity) {
      const rejected = identity.status === 401;
      const message = `the token in ${this.deps.header} from the authenticating proxy was not accepted by the API server`;
      return rejected ? { status: 401, message } : identity;
    }
    const session = this.deps.sessions.create(token, identity.user);
    session.expiresAt = Math.min(session.expiresAt, jwtExpiry(token) ?? Infinity);
    this.forgetEnded();
    this.byToken.set(key, this.deps.sessions.cookieValue(session));
    return session;
  }

  private forgetEnded(): void {
    for (const [key, cookie] of this.byToken) {
      if (!this.deps.sessions.fromCookie(cookie)) this.byToken.delete(key);
    }
  }
}

/**
 * Establishes the session from the proxy's header on every request that carries one. Everything
 * after it (proxy, CSRF, pages, events) reads the session from the cookie header as usual, so the
 * request is given this session's cookie in place of whatever the browser sent.
 */
export function proxyAuthentication(deps: ProxyAuthDeps): Middleware {
  const { header } = deps;
  if (!header) return (_ctx, next) => next();
  const sessions = new ProxiedSessions({ ...deps, header });
  return async (ctx, next) => {
    const token = proxiedToken(header, ctx.get(header));
    if (!token) return next();
    const session = await sessions.sessionFor(token);
    if ('status' in session) return consoleError(ctx, session.status, session.message);
    ctx.req.headers.cookie = withSessionCookie(
      ctx.req.headers.cookie,
      deps.sessions.cookieValue(session),
    );
    await next();
  };
}
