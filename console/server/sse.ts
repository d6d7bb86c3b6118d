// Kubernetes watches relayed to the browser as Server-Sent Events. The event id is the object's
// resourceVersion, so a reconnecting EventSource sends Last-Event-ID and resumes where it stopped.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Router from '@koa/router';
import { GROUP, VERSION } from '@pcm-ops/crds';
import type { Context } from 'koa';
import { isNamespaceName, isPcmPlural } from './allowlist.js';
import { consoleError } from './proxy.js';
import { sessionOf, type SessionStore } from './session.js';
import { kubeRequest, readAll, type KubeTarget } from './upstream.js';

export const HEARTBEAT_MS = 15_000;
const RESOURCE_VERSION = /^[0-9]{1,20}$/;

export interface WatchEvent {
  type: string;
  object: { code?: number; metadata?: { resourceVersion?: string } };
}

export interface SseDeps {
  target: KubeTarget;
  sessions: SessionStore;
  heartbeatMs: number;
}

/** The SSE frame for one watch event, and whether the stream ends after it. */
export function toSse(event: WatchEvent): { frame: string; last: boolean } {
  const version = event.object.metadata?.resourceVersion;
  const data = JSON.stringify(event.object);
  if (event.type === 'BOOKMARK') return { frame: version ? `id: ${version}\n\n` : '', last: false };
  if (event.type === 'ERROR') {
    const gone = event.object.code === 410;
    return { frame: `event: ${gone ? 'reset' : 'error'}\ndata: ${data}\n\n`, last: true };
  }
  const id = version ? `id: ${version}\n` : '';
  return { frame: `${id}event: ${event.type}\ndata: ${data}\n\n`, last: false };
}

/** The API path of a watch on `plural`, in one namespace or across all. */
export function watchPath(plural: string, namespace: string | undefined, from?: string): string {
  const scope = namespace ? `/namespaces/${namespace}` : '';
  const query = new URLSearchParams({ watch: 'true', allowWatchBookmarks: 'true' });
  if (from) query.set('resourceVersion', from);
  return `/apis/${GROUP}/${VERSION}${scope}/${plural}?${query.toString()}`;
}

interface WatchRequest {
  plural: string;
  namespace: string | undefined;
  from: string | undefined;
}

function queryValue(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseRequest(ctx: Context): WatchRequest | [number, string] {
  const plural = String(ctx.params.plural ?? '');
  const namespace = queryValue(ctx, 'namespace');
  // A reconnecting EventSource sends the id of the last event it saw: resume after it.
  const from = ctx.get('last-event-id') || queryValue(ctx, 'resourceVersion');
  if (!isPcmPlural(plural)) return [403, `${plural} is not a PCM-Ops resource`];
  if (namespace !== undefined && !isNamespaceName(namespace)) {
    return [400, 'namespace: not a valid namespace name'];
  }
  if (from !== undefined && !RESOURCE_VERSION.test(from)) {
    return [400, 'resourceVersion (or Last-Event-ID): not a valid resourceVersion'];
  }
  return { plural, namespace, from };
}

function write(res: ServerResponse, frame: string): void {
  if (frame && !res.writableEnded && !res.destroyed) res.write(frame);
}

function pipeEvents(upstream: IncomingMessage, res: ServerResponse): void {
  let pending = '';
  upstream.setEncoding('utf8');
  upstream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.trim() !== '')) {
      const { frame, last } = toSse(JSON.parse(line) as WatchEvent);
      write(res, frame);
      if (last) res.end();
    }
  });
  upstream.on('end', () => res.end());
  upstream.on('error', () => res.end());
}

function openStream(ctx: Context, heartbeatMs: number, abort: AbortController): ServerResponse {
  ctx.respond = false;
  const res = ctx.res;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const heartbeat = setInterval(() => write(res, ': heartbeat\n\n'), heartbeatMs);
  res.on('close', () => {
    clearInterval(heartbeat);
    abort.abort();
  });
  return res;
}

async function relay(ctx: Context, deps: SseDeps): Promise<void> {
  const request = parseRequest(ctx);
  if (Array.isArray(request)) return consoleError(ctx, ...request);
  const session = sessionOf(ctx, deps.sessions);
  if (!session) return consoleError(ctx, 401, 'log in first: no valid session cookie');
  const abort = new AbortController();
  const upstream = await kubeRequest(deps.target, {
    method: 'GET',
    path: watchPath(request.plural, request.namespace, request.from),
    token: session.token,
    signal: abort.signal,
  });
  if (upstream.statusCode === 200) {
    pipeEvents(upstream, openStream(ctx, deps.heartbeatMs, abort));
    return;
  }
  const body = (await readAll(upstream)).toString('utf8');
  if (upstream.statusCode === 410) {
    const res = openStream(ctx, deps.heartbeatMs, abort);
    res.end(`event: reset\ndata: ${body.replace(/\n/g, ' ')}\n\n`);
    return;
  }
  ctx.status = upstream.statusCode ?? 502;
  ctx.type = 'application/json';
  ctx.body = body;
}

export function eventRoutes(router: Router, deps: SseDeps): void {
  router.get('/events/:plural', (ctx) => relay(ctx, deps));
}
