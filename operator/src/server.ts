import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

export interface HealthChecks {
  /** The process is alive and its loops are turning. */
  live: () => boolean;
  /** Caches are synced (or the process is a standby waiting for the lease). */
  ready: () => boolean;
}

function health(res: ServerResponse, ok: boolean): void {
  res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
}

async function serveMetrics(metrics: Metrics, res: ServerResponse): Promise<void> {
  try {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
  } catch {
    res.writeHead(500).end();
  }
}

export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** /healthz, /readyz, /metrics and the read API under /api/ on one small HTTP server. */
export function startHttpServer(
  metrics: Metrics,
  checks: HealthChecks & { api?: ApiHandler },
  listen: { host: string; port: number },
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/api/') && checks.api) void checks.api(req, res);
    else if (path === '/healthz') health(res, checks.live());
    else if (path === '/readyz') health(res, checks.ready());
    else if (path === '/metrics') void serveMetrics(metrics, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve(server));
  });
}
