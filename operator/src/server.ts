import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.js';

export interface HealthChecks {
  /** The process is alive and its loops are turning. */
  live: () => boolean;
  /** Caches are synced (or the process is a standby waiting for the lease). */
  ready: () => boolean;
}

/** /healthz, /readyz and /metrics on one small HTTP server. */
export function startHttpServer(
  metrics: Metrics,
  checks: HealthChecks,
  listen: { host: string; port: number },
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/readyz') {
      const ok = path === '/healthz' ? checks.live() : checks.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
      return;
    }
    if (path === '/metrics') {
      metrics.registry
        .metrics()
        .then((body) =>
          res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
        )
        .catch(() => res.writeHead(500).end());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve(server));
  });
}
