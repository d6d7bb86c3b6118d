// The console's HTTP server: login, the narrow Kubernetes proxy and watch streams, with the Remix
// pages mounted for every other path; every request logged with its id, counted, and /metrics.
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import Koa from 'koa';
import { authRoutes, proxyAuthentication } from './auth.js';
import { BodyTooLarge, MAX_BODY_BYTES } from './body.js';
import { securityHeaders } from './headers.js';
import { createConsoleLogger, requestLog, requestLogging, type Logger } from './logging.js';
import { ConsoleMetrics, metricsEndpoint, requestCounting } from './metrics.js';
import { operatorRelay } from './operator-relay.js';
import { consoleError, kubeProxy } from './proxy.js';
import { remixPages, type DevPages } from './remix.js';
import { SessionStore } from './session.js';
import { eventRoutes, HEARTBEAT_MS } from './sse.js';
import type { KubeTarget } from './upstream.js';

export { createConsoleLogger, type Logger } from './logging.js';

export interface ConsoleOptions {
  /** URL of the Kubernetes API server. */
  kubeServer: string;
  /** PEM of the CA the API server's certificate chains to. */
  caPem?: string;
  /** Key that signs session cookies; at least 32 characters. */
  sessionSecret: string;
  /** Mark the session cookie Secure (default true; false only for plain-HTTP local runs). */
  secureCookies?: boolean;
  /** Trust X-Forwarded-* from a TLS-terminating proxy in front of the console. */
  trustProxy?: boolean;
  heartbeatMs?: number;
  maxBodyBytes?: number;
  /**
   * URL of the operator's HTTP API (full script output, instance discovery), for example
   * http://pcm-ops-operator.pcm-ops:8080; pages that need it say so when it is absent.
   */
  operatorUrl?: string;
  /** Output of `remix vite:build` (server/ and client/); defaults to the console's build/. */
  pagesBuildDir?: string;
  /**
   * The request header in which an authenticating proxy in front (for example oauth2-proxy with
   * --pass-authorization-header) passes the user's token: `authorization` for `Bearer <token>`,
   * or another header holding the bare token. Each token is reviewed by the API server like a
   * login; absent, only the login form establishes sessions.
   */
  proxyAuthHeader?: string;
  /** Development only: serve the pages from a Vite dev server instead (see dev.ts). */
  pagesDev?: DevPages;
  /** Where request lines and errors go; JSON on stdout at info by default (see logging.ts). */
  logger?: Logger;
}

function errors(): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof BodyTooLarge) return consoleError(ctx, 413, error.message);
      requestLog(ctx).error({ err: error }, 'request failed');
      consoleError(ctx, 500, 'internal error in the console');
    }
  };
}

/** The API server, and the operator's HTTP API when the console knows it. */
function targetsOf(options: ConsoleOptions): { target: KubeTarget; operator?: KubeTarget } {
  const target: KubeTarget = {
    server: new URL(options.kubeServer),
    ...(options.caPem ? { caPem: options.caPem } : {}),
  };
  return options.operatorUrl
    ? { target, operator: { server: new URL(options.operatorUrl) } }
    : { target };
}

export function createConsoleApp(options: ConsoleOptions): Koa {
  if (options.sessionSecret.length < 32) {
    throw new Error('sessionSecret must be at least 32 characters');
  }
  const { target, operator } = targetsOf(options);
  const sessions = new SessionStore(options.sessionSecret);
  const metrics = new ConsoleMetrics();
  const logger = options.logger ?? createConsoleLogger();
  const app = new Koa({ proxy: options.trustProxy ?? false });
  app.silent = true;
  const router = new Router();
  authRoutes(router, { target, sessions, cookies: { secure: options.secureCookies ?? true } });
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  eventRoutes(router, { target, sessions, heartbeatMs, metrics });
  router.get('/healthz', (ctx) => {
    ctx.body = 'ok';
  });
  app.use(requestLogging({ logger, sessions }));
  app.use(requestCounting(metrics));
  app.use(securityHeaders());
  app.use(errors());
  app.use(metricsEndpoint(metrics));
  app.use(proxyAuthentication({ target, sessions, header: options.proxyAuthHeader }));
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  app.use(kubeProxy({ target, sessions, maxBodyBytes, metrics }));
  app.use(operatorRelay({ operator, sessions }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(
    remixPages({
      target,
      operator,
      sessions,
      buildDir: options.pagesBuildDir ?? fileURLToPath(new URL('../build', import.meta.url)),
      ...(options.pagesDev ? { dev: options.pagesDev } : {}),
    }),
  );
  return app;
}
