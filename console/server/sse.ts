// Kubernetes watches relayed to the browser as Server-Sent Events. The event id is the object's
// resourceVersion, so a reconnecting EventSource sends Last-Event-ID and resumes where it stopped.
// A frame the console cannot read ends the stream the same way: the browser reconnects and resumes
// after the last event it did get.
import type { ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type Router from '@koa/router';
import { GROUP, VERSION } from '@pcm-ops/crds';
import type { Context } from 'koa';
import { isNamespaceName, isPcmPlural } from './allowlist.js';
import { requestLog, type Logger } from './logging.js';
import type { ConsoleMetrics } from './metrics.js';
import { consoleError } from './proxy.js';
import { sessionOf, type SessionStore } from './session.js';
import { kubeRequest, readAll, type KubeTarget } from './upstream.js';

export const HEARTBEAT_MS = 15_000;
const RESOURCE_VERSION = /^[0-9]{1,20}$/;
/** A watch line longer than this is not waited out: etcd keeps objects far smaller. */
export const MAX_FRAME_CHARS = 8 * 1024 * 1024;
const WATCH_TYPES: ReadonlySet<string> = new Set([
  'ADDED',
  'MODIFIED',
  'DELETED',
  'BOOKMARK',
  'ERROR',
]);

export interface WatchEvent {
  type: string;
  object: { code?: number; metadata?: { resourceVersion?: string } };
}

/** What the browser gets for a frame the console could not read, before the stream ends. */
export const UNREADABLE_FRAME = `event: error\ndata: ${JSON.stringify({
  source: 'console',
  message: 'the watch sent a frame the console could not read; reconnecting',
})}\n\n`;

export interface SseDeps {
  target: KubeTarget;
  sessions: SessionStore;
  heartbeatMs: number;
  metrics: ConsoleMetrics;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A version is written into the `id:` line as it is, so it must not hold a line break. */
function safeVersion(object: Record<string, unknown>): boolean {
  const metadata = object.metadata;
  if (metadata === undefined) return true;
  if (!isRecord(metadata)) return false;
  const version = metadata.resourceVersion;
  return version === undefined || (typeof version === 'string' && !/[\r\n]/.test(version));
}

/** One line of a watch stream as an event, or undefined when it is not JSON or not an event. */
export function parseWatchLine(line: string): WatchEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.type !== 'string' || !WATCH_TYPES.has(value.type)) {
    return undefined;
  }
  const object = value.object;
  return isRecord(object) && safeVersion(object) ? { type: value.type, object } : undefined;
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

function write(res: Writable, frame: string): void {
  if (frame && !res.writableEnded && !res.destroyed) res.write(frame);
}

/** Relays one watch line; false when the stream ends after it (an ERROR, or an unreadable line). */
function relayLine(line: string, res: Writable, log: Logger): boolean {
  const event = parseWatchLine(line);
  if (!event) {
    // Only the length: the frame may hold any object the user can read.
    log.warn({ frameChars: line.length }, 'watch frame is not a watch event; ending the stream');
    write(res, UNREADABLE_FRAME);
    return false;
  }
  const { frame, last } = toSse(event);
  write(res, frame);
  return !last;
}

/** Relays a watch stream, one newline-delimited JSON event per line, as SSE frames to `res`. */
export function pipeEvents(upstream: Readable, res: Writable, log: Logger): void {
  let pending = '';
  const stop = (): void => {
    upstream.removeAllListeners('data');
    upstream.destroy();
    res.end();
  };
  upstream.setEncoding('utf8');
  upstream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() !== '' && !relayLine(line, res, log)) return stop();
    }
    if (pending.length > MAX_FRAME_CHARS) {
      log.warn({ frameChars: pending.length }, 'watch frame is too long; ending the stream');
      write(res, UNREADABLE_FRAME);
      stop();
    }
  });
  upstream.on('end', () => res.end());
  upstream.on('error', () => res.end());
}

function openStream(ctx: Context, deps: SseDeps, abort: AbortController): ServerResponse {
  ctx.respond = false;
  const res = ctx.res;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  deps.metrics.sseClients.inc();
  const heartbeat = setInterval(() => write(res, ': heartbeat\n\n'), deps.heartbeatMs);
  res.on('close', () => {
    deps.metrics.sseClients.dec();
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
    pipeEvents(upstream, openStream(ctx, deps, abort), requestLog(ctx));
    return;
  }
  const body = (await readAll(upstream)).toString('utf8');
  if (upstream.statusCode === 410) {
    const res = openStream(ctx, deps, abort);
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
