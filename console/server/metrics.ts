// Prometheus metrics of one console: requests by route class, open event streams, and what the
// proxy refused and why. Every label is a small fixed set, never a raw path or a user. Each app
// has its own registry, so several consoles (in tests) never share or clash.
import type { Middleware } from 'koa';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export const METRICS_PATH = '/metrics';

export type RouteClass =
  'page' | 'asset' | 'k8s-proxy' | 'events' | 'auth' | 'operator' | 'health' | 'metrics';

/** Why the /k8s proxy refused a request before it reached the API server. */
export type RefusalReason =
  | 'not-allowlisted'
  | 'bad-query'
  | 'no-session'
  | 'cross-origin'
  | 'csrf'
  | 'content-type'
  | 'body-too-large';

const REFUSAL_REASONS: readonly RefusalReason[] = [
  'not-allowlisted',
  'bad-query',
  'no-session',
  'cross-origin',
  'csrf',
  'content-type',
  'body-too-large',
];

const ROUTE_PREFIXES: readonly [string, RouteClass][] = [
  ['/k8s/', 'k8s-proxy'],
  ['/events/', 'events'],
  ['/auth/', 'auth'],
  ['/operator/', 'operator'],
  ['/assets/', 'asset'],
];

const EXACT_ROUTES: ReadonlyMap<string, RouteClass> = new Map([
  ['/healthz', 'health'],
  [METRICS_PATH, 'metrics'],
  ['/favicon.ico', 'asset'],
]);

const METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

/** The class of a request path, for a label: everything that is not an API or an asset is a page. */
export function routeClass(path: string): RouteClass {
  const exact = EXACT_ROUTES.get(path);
  if (exact) return exact;
  return ROUTE_PREFIXES.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'page';
}

/** The method for a label: the ones the console serves, `other` for the rest. */
export const methodLabel = (method: string): string =>
  METHODS.has(method.toUpperCase()) ? method.toUpperCase() : 'other';

export class ConsoleMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'pcm_ops_console_http_requests_total',
    help: 'HTTP requests answered (or abandoned by the client), by method, route class and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly sseClients = new Gauge({
    name: 'pcm_ops_console_sse_clients',
    help: 'Watch streams (/events) open to browsers.',
    registers: [this.registry],
  });

  readonly proxyRefusals = new Counter({
    name: 'pcm_ops_console_proxy_refusals_total',
    help: 'Requests the /k8s proxy refused before the API server saw them, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    for (const reason of REFUSAL_REASONS) this.proxyRefusals.inc({ reason }, 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'pcm_ops_console_' });
  }
}

/** Counts every request once its response is done or its client went away. */
export function requestCounting(metrics: ConsoleMetrics): Middleware {
  return async (ctx, next) => {
    ctx.res.once('close', () => {
      metrics.httpRequests.inc({
        method: methodLabel(ctx.method),
        route: routeClass(ctx.path),
        status: String(ctx.res.statusCode),
      });
    });
    await next();
  };
}

/** GET /metrics in the Prometheus text format, without a session, like /healthz. */
export function metricsEndpoint(metrics: ConsoleMetrics): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== METRICS_PATH) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      ctx.status = 405;
      return;
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  };
}
