// /k8s/* → the API server, for allowlisted requests only, always as the logged-in user.
import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import { decide, queryProblem, type Route } from './allowlist.js';
import { BodyTooLarge, readBody } from './body.js';
import { crossOrigin, csrfTokenMatches, CSRF_HEADER, isMutation } from './csrf.js';
import type { ConsoleMetrics, RefusalReason } from './metrics.js';
import { redactSecretResponse, secretValues } from './redact.js';
import { sessionOf, type Session, type SessionStore } from './session.js';
import { kubeRequest, readAll, type KubeTarget } from './upstream.js';

export const PROXY_PREFIX = '/k8s';

const BODY_TYPES = new Set([
  'application/json',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/apply-patch+yaml',
]);

export interface ProxyDeps {
  target: KubeTarget;
  sessions: SessionStore;
  maxBodyBytes: number;
  metrics: ConsoleMetrics;
}

/** A refusal by the console itself; `source` tells it apart from a Kubernetes Status. */
export function consoleError(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  ctx.body = { source: 'console', code: status, message };
}

function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  return { path, query: new URLSearchParams(at === -1 ? '' : url.slice(at + 1)) };
}

/** A request the proxy refuses itself; the reason class is counted, the message is the answer. */
interface Refusal {
  reason: RefusalReason;
  status: number;
  message: string;
}

const isRefusal = (value: unknown): value is Refusal =>
  typeof value === 'object' && value !== null && 'reason' in value;

const NO_SESSION: Refusal = {
  reason: 'no-session',
  status: 401,
  message: 'log in first: no valid session cookie',
};

function refuse(ctx: Context, deps: ProxyDeps, refusal: Refusal): void {
  deps.metrics.proxyRefusals.inc({ reason: refusal.reason });
  consoleError(ctx, refusal.status, refusal.message);
}

/** Why the console refuses the request before it reaches the API server, if it does. */
function gateProblem(ctx: Context, session: Session | undefined): Refusal | undefined {
  if (!session) return NO_SESSION;
  if (!isMutation(ctx.method)) return undefined;
  if (crossOrigin(ctx)) {
    return { reason: 'cross-origin', status: 403, message: 'cross-origin requests are refused' };
  }
  if (!csrfTokenMatches(session, ctx.get(CSRF_HEADER))) {
    const message = `a mutation needs the session's CSRF token in the ${CSRF_HEADER} header`;
    return { reason: 'csrf', status: 403, message };
  }
  return undefined;
}

async function bodyFor(ctx: Context, deps: ProxyDeps): Promise<Buffer | undefined | Refusal> {
  if (ctx.method === 'GET' || ctx.method === 'DELETE') return undefined;
  const type = (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
  if (!BODY_TYPES.has(type)) {
    const message = `content type ${type || '(none)'} is not accepted`;
    return { reason: 'content-type', status: 415, message };
  }
  try {
    return await readBody(ctx, deps.maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    return { reason: 'body-too-large', status: 413, message: error.message };
  }
}

async function respondWithSecret(
  ctx: Context,
  upstream: IncomingMessage,
  sent: Buffer,
): Promise<void> {
  let requested: unknown;
  try {
    requested = JSON.parse(sent.toString('utf8'));
  } catch {
    requested = undefined;
  }
  const text = (await readAll(upstream)).toString('utf8');
  ctx.status = upstream.statusCode ?? 502;
  ctx.body = redactSecretResponse(text, secretValues(requested));
}

function respondStreaming(ctx: Context, upstream: IncomingMessage): void {
  ctx.status = upstream.statusCode ?? 502;
  ctx.type = upstream.headers['content-type'] ?? 'application/json';
  ctx.body = upstream;
}

async function forward(ctx: Context, deps: ProxyDeps, forwarded: Forwarded): Promise<void> {
  const { session, route, path, body } = forwarded;
  const headers: Record<string, string> = body ? { 'content-type': ctx.get('content-type') } : {};
  let upstream: IncomingMessage;
  try {
    upstream = await kubeRequest(deps.target, {
      method: ctx.method,
      path,
      token: session.token,
      headers,
      ...(body ? { body } : {}),
    });
  } catch (error) {
    consoleError(ctx, 502, `the API server could not be reached: ${(error as Error).message}`);
    return;
  }
  if (upstream.statusCode === 401) deps.sessions.destroy(session);
  if (route === 'secret-create') await respondWithSecret(ctx, upstream, body ?? Buffer.alloc(0));
  else respondStreaming(ctx, upstream);
}

interface Forwarded {
  session: Session;
  route: Route;
  path: string;
  body: Buffer | undefined;
}

export function kubeProxy(deps: ProxyDeps): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(`${PROXY_PREFIX}/`)) return next();
    const { path, query } = splitUrl(ctx.originalUrl.slice(PROXY_PREFIX.length));
    const decision = decide(ctx.method, path);
    if (!decision.allowed) {
      return refuse(ctx, deps, {
        reason: 'not-allowlisted',
        status: 403,
        message: decision.reason,
      });
    }
    const badQuery = queryProblem(query);
    if (badQuery) return refuse(ctx, deps, { reason: 'bad-query', status: 403, message: badQuery });
    const session = sessionOf(ctx, deps.sessions);
    const gate = gateProblem(ctx, session);
    if (gate || !session) return refuse(ctx, deps, gate ?? NO_SESSION);
    const body = await bodyFor(ctx, deps);
    if (isRefusal(body)) return refuse(ctx, deps, body);
    const search = query.toString();
    const fullPath = search ? `${decision.path}?${search}` : decision.path;
    await forward(ctx, deps, { session, route: decision.route, path: fullPath, body });
  };
}
