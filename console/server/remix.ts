// The Remix pages behind Koa: a page request becomes a Fetch Request with a fresh CSP nonce and the
// caller's session in the load context, and the Response streams straight back. A form post (a
// Remix action, with or without JavaScript) is admitted only from this console's own pages: a
// session, a same-origin browser and the session's CSRF token in the form are checked here, before
// any route code runs; the action then acts as the user, through the same allowlist as the proxy.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
// The runtime-neutral package (what @remix-run/node re-exports): its types do not redeclare
// process.env globally, which @remix-run/node's do.
import {
  createRequestHandler,
  type AppLoadContext,
  type RequestHandler,
  type ServerBuild,
} from '@remix-run/server-runtime';
import type { Context, Middleware } from 'koa';
import { decide, queryProblem } from './allowlist.js';
import { readBody } from './body.js';
import { crossOrigin, csrfTokenMatches, CSRF_FIELD, CSRF_HEADER } from './csrf.js';
import { CONTENT_SECURITY_POLICY } from './headers.js';
import { operatorGet } from './operator-relay.js';
import { consoleError } from './proxy.js';
import { sessionOf, type KubeUser, type SessionStore } from './session.js';
import { kubeRequest, readAll, type KubeTarget } from './upstream.js';

const API_PREFIXES = ['/k8s/', '/operator/', '/auth/', '/events/', '/healthz'];
const ASSET_PATH = /^\/assets\/[A-Za-z0-9._-]+$/;

export type KubeMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeAnswer {
  status: number;
  body: unknown;
}

/** What every loader receives as `context`: the nonce and the user's view of the API server. */
export interface ConsoleLoadContext {
  nonce: string;
  user: KubeUser | undefined;
  csrfToken: string | undefined;
  /** One allowlisted request to the API server with the user's own token. */
  kube(method: KubeMethod, apiPath: string, body?: unknown): Promise<KubeAnswer>;
  /** One GET to the operator's read API (`/api/v1/...`) with the user's own token. */
  operator(apiPath: string): Promise<KubeAnswer>;
}

export interface PagesDeps {
  target: KubeTarget;
  operator: KubeTarget | undefined;
  sessions: SessionStore;
  /** The `remix vite:build` output directory, holding server/ and client/. */
  buildDir: string;
  /** Development: pages and modules straight from Vite, rebuilt on every change (see dev.ts). */
  dev?: DevPages;
}

/** What a Vite dev server in middleware mode gives the pages (kept free of a Vite import here). */
export interface DevPages {
  /** Vite's connect stack: source modules, the HMR client, CSS and static files. */
  middlewares: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
  /** The current server build, as Vite compiles it from app/. */
  serverBuild(): Promise<ServerBuild>;
}

function refusal(status: number, message: string): KubeAnswer {
  return { status, body: { source: 'console', code: status, message } };
}

/** Actions patch with a JSON merge patch, the one patch type that needs no schema knowledge. */
const contentType = (method: KubeMethod): string =>
  method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';

async function kubeAnswer(target: KubeTarget, token: string, call: KubeCall): Promise<KubeAnswer> {
  const [apiPath = '', search = ''] = call.apiPath.split('?');
  const decision = decide(call.method, apiPath);
  if (!decision.allowed) return refusal(403, decision.reason);
  const badQuery = queryProblem(new URLSearchParams(search));
  if (badQuery) return refusal(403, badQuery);
  const body = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
  const response = await kubeRequest(target, {
    method: call.method,
    path: call.apiPath,
    token,
    ...(body ? { body, headers: { 'content-type': contentType(call.method) } } : {}),
  });
  const text = (await readAll(response)).toString('utf8');
  try {
    return { status: response.statusCode ?? 502, body: JSON.parse(text) as unknown };
  } catch {
    return refusal(502, `the API server answered ${response.statusCode} without JSON`);
  }
}

interface KubeCall {
  method: KubeMethod;
  apiPath: string;
  body?: unknown;
}

function loadContext(ctx: Context, deps: PagesDeps, nonce: string): ConsoleLoadContext {
  const session = sessionOf(ctx, deps.sessions);
  return {
    nonce,
    user: session?.user,
    csrfToken: session?.csrfToken,
    kube: (method, apiPath, body) =>
      session
        ? kubeAnswer(deps.target, session.token, { method, apiPath, body })
        : Promise.resolve(refusal(401, 'log in first: no valid session cookie')),
    operator: (apiPath) =>
      session
        ? operatorGet(deps.operator, session.token, apiPath)
        : Promise.resolve(refusal(401, 'log in first: no valid session cookie')),
  };
}

/** Serves the hashed client bundles; names are checked so nothing outside assets/ is reachable. */
async function serveAsset(ctx: Context, buildDir: string): Promise<boolean> {
  if (!ASSET_PATH.test(ctx.path)) return false;
  const file = path.join(buildDir, 'client', ctx.path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  ctx.type = path.extname(file);
  ctx.length = info.size;
  ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
  ctx.body = createReadStream(file);
  return true;
}

function toRequest(ctx: Context, signal: AbortSignal, body: Buffer | undefined): Request {
  const headers = new Headers();
  for (const [key, value] of Object.entries(ctx.req.headers)) {
    for (const item of [value ?? []].flat()) headers.append(key, item);
  }
  return new Request(`${ctx.protocol}://${ctx.host}${ctx.originalUrl}`, {
    method: ctx.method,
    headers,
    signal,
    ...(body ? { body: new Uint8Array(body) } : {}),
  });
}

const FORM_TYPE = 'application/x-www-form-urlencoded';

interface Refusal {
  status: number;
  message: string;
}

function postRefusal(ctx: Context, deps: PagesDeps): Refusal | undefined {
  if (ctx.method !== 'POST') {
    return { status: 405, message: `console pages take GET and form posts, not ${ctx.method}` };
  }
  if (!sessionOf(ctx, deps.sessions)) {
    return { status: 401, message: 'log in first: no valid session cookie' };
  }
  if (crossOrigin(ctx)) return { status: 403, message: 'form posted from another site' };
  if (ctx.request.type !== FORM_TYPE) {
    return { status: 415, message: `console forms are sent as ${FORM_TYPE}` };
  }
  return undefined;
}

/**
 * The body of a form post whose CSRF token (a hidden field, or the header when a script sends it)
 * is the session's; a refusal otherwise. A cross-site page can post a form but cannot read the
 * token, so it cannot make the console act for the user.
 */
async function admittedPost(ctx: Context, deps: PagesDeps): Promise<Buffer | Refusal> {
  const refused = postRefusal(ctx, deps);
  if (refused) return refused;
  const body = await readBody(ctx);
  const token = new URLSearchParams(body.toString('utf8')).get(CSRF_FIELD) ?? ctx.get(CSRF_HEADER);
  if (!csrfTokenMatches(sessionOf(ctx, deps.sessions)!, token || undefined)) {
    return {
      status: 403,
      message: 'the form carries no valid CSRF token: reload the page and send it again',
    };
  }
  return body;
}

async function sendResponse(ctx: Context, response: Response): Promise<void> {
  ctx.respond = false;
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  ctx.res.writeHead(response.status, headers);
  if (response.body && ctx.method !== 'HEAD') {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream), ctx.res);
  } else ctx.res.end();
}

class PagesNotBuilt extends Error {
  constructor(cause: unknown) {
    super('the console pages are not built: run `npx remix vite:build` in console/', { cause });
  }
}

/**
 * Lets Vite answer what it serves (modules, the HMR client, CSS); resolves false when it passes
 * the request on, which is every page: in middleware mode Remix leaves rendering to us.
 */
function viteServes(ctx: Context, dev: DevPages): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const answered = (): void => resolve(true);
    ctx.res.once('close', answered);
    dev.middlewares(ctx.req, ctx.res, (error) => {
      ctx.res.off('close', answered);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(false);
    });
  });
}

async function servedAsAsset(ctx: Context, deps: PagesDeps): Promise<boolean> {
  if (!deps.dev) return serveAsset(ctx, deps.buildDir);
  const served = await viteServes(ctx, deps.dev);
  if (served) ctx.respond = false;
  return served;
}

function requestHandler(deps: PagesDeps): () => Promise<RequestHandler> {
  const { dev } = deps;
  if (dev) {
    const handler = createRequestHandler(() => dev.serverBuild(), 'development');
    return () => Promise.resolve(handler);
  }
  let handler: Promise<RequestHandler> | undefined;
  return () =>
    (handler ??= import(pathToFileURL(path.join(deps.buildDir, 'server', 'index.js')).href).then(
      (build: ServerBuild) => createRequestHandler(build, 'production'),
      (error: unknown) => {
        handler = undefined;
        throw new PagesNotBuilt(error);
      },
    ));
}

/** Renders one page (or runs one action) with Remix, as the signed-in user. */
async function render(
  ctx: Context,
  deps: PagesDeps,
  handle: RequestHandler,
  body: Buffer | undefined,
): Promise<void> {
  const nonce = randomBytes(18).toString('base64');
  const abort = new AbortController();
  ctx.res.on('close', () => abort.abort());
  const context = loadContext(ctx, deps, nonce) as unknown as AppLoadContext;
  const response = await handle(toRequest(ctx, abort.signal, body), context);
  if (response.headers.get('content-type')?.startsWith('text/html')) {
    ctx.set(
      'Content-Security-Policy',
      `${CONTENT_SECURITY_POLICY}; script-src 'self' 'nonce-${nonce}'`,
    );
  }
  await sendResponse(ctx, response);
}

/** Mounts the Remix app for every path that is not the proxy, auth, events or health. */
export function remixPages(deps: PagesDeps): Middleware {
  const load = requestHandler(deps);
  return async (ctx, next) => {
    if (API_PREFIXES.some((prefix) => ctx.path.startsWith(prefix))) return next();
    const reading = ctx.method === 'GET' || ctx.method === 'HEAD';
    const body = reading ? undefined : await admittedPost(ctx, deps);
    if (body && !Buffer.isBuffer(body)) return consoleError(ctx, body.status, body.message);
    if (reading && (await servedAsAsset(ctx, deps))) return;
    if (ctx.path === '/favicon.ico') return void (ctx.status = 204);
    const handle = await load().catch((error: unknown) => error as PagesNotBuilt);
    if (handle instanceof PagesNotBuilt) return consoleError(ctx, 503, handle.message);
    await render(ctx, deps, handle, body);
  };
}
