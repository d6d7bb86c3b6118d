// Runs the console: reads its settings once from the environment and a kubeconfig (or the
// in-cluster ServiceAccount files), then listens. With --dev (`npm run console:dev`) the pages
// come from a Vite dev server with hot reload, behind the same proxy, login and headers.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { createConsoleApp } from './app.js';
import { createConsoleLogger, type Logger } from './logging.js';
import type { DevPages } from './remix.js';

const dev = process.argv.includes('--dev');
const SECRET_RULE = 'SESSION_SECRET must be at least 32 characters';

const Env = z.object({
  PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(dev ? 3001 : 3000),
  HOST: z.string().default(dev ? '127.0.0.1' : '0.0.0.0'),
  /** Development makes one up: sessions then end when the process does. */
  SESSION_SECRET: dev
    ? z
        .string()
        .min(32, SECRET_RULE)
        .default(() => randomBytes(32).toString('hex'))
    : z.string().min(32, SECRET_RULE),
  /** Set to "false" only for plain-HTTP local runs (the default in development). */
  SECURE_COOKIES: z.enum(['true', 'false']).default(dev ? 'false' : 'true'),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  /**
   * Set only behind an authenticating proxy (OIDC): the header carrying the user's token,
   * `Authorization` (Bearer) or for example `X-Forwarded-Access-Token`.
   */
  PROXY_AUTH_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'PROXY_AUTH_HEADER must be an HTTP header name')
    .optional(),
  /** The operator's HTTP API, for full output and instance discovery. */
  PCM_OPS_OPERATOR_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

function kubeTarget(): { kubeServer: string; caPem?: string } {
  const config = new KubeConfig();
  config.loadFromDefault();
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('no Kubernetes cluster found in KUBECONFIG or in-cluster files');
  const ca = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString('utf8')
    : cluster.caFile
      ? readFileSync(cluster.caFile, 'utf8')
      : undefined;
  return { kubeServer: cluster.server, ...(ca ? { caPem: ca } : {}) };
}

/** Logs before the settings are read (or when they cannot be) go out at info. */
const startupLog = createConsoleLogger('info');

function readEnv(): z.output<typeof Env> {
  const parsed = Env.safeParse(process.env);
  if (parsed.success) return parsed.data;
  startupLog.fatal({ problems: z.prettifyError(parsed.error) }, 'console settings are invalid');
  process.exit(1);
}

async function devPages(server: http.Server): Promise<DevPages | undefined> {
  if (!dev) return undefined;
  const { viteDevPages } = await import('./dev.js');
  return viteDevPages(server);
}

async function main(log: Logger): Promise<void> {
  const env = readEnv();
  log.level = env.LOG_LEVEL;
  const server = http.createServer();
  const pagesDev = await devPages(server);
  const app = createConsoleApp({
    ...kubeTarget(),
    sessionSecret: env.SESSION_SECRET,
    secureCookies: env.SECURE_COOKIES === 'true',
    trustProxy: env.TRUST_PROXY === 'true',
    ...(env.PCM_OPS_OPERATOR_URL ? { operatorUrl: env.PCM_OPS_OPERATOR_URL } : {}),
    ...(env.PROXY_AUTH_HEADER ? { proxyAuthHeader: env.PROXY_AUTH_HEADER.toLowerCase() } : {}),
    ...(pagesDev ? { pagesDev } : {}),
    logger: log,
  });
  server.on('request', app.callback());
  server.listen(env.PORT, env.HOST, () => {
    const mode = dev ? ' (development: pages from Vite, hot reload)' : '';
    log.info(`PCM-Ops console listening on http://${env.HOST}:${env.PORT}${mode}`);
  });
}

main(startupLog).catch((error: unknown) => {
  startupLog.fatal({ err: error }, 'the console could not start');
  process.exit(1);
});
