// Runs the console: reads its settings once from the environment and a kubeconfig (or the
// in-cluster ServiceAccount files), then listens.
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { createConsoleApp } from './app.js';

const Env = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters'),
  /** Set to "false" only for plain-HTTP local runs. */
  SECURE_COOKIES: z.enum(['true', 'false']).default('true'),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  /** The operator's HTTP API, for full output and instance discovery. */
  PCM_OPS_OPERATOR_URL: z.url().optional(),
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

function readEnv(): z.output<typeof Env> {
  const parsed = Env.safeParse(process.env);
  if (parsed.success) return parsed.data;
  console.error(`console settings are invalid:\n${z.prettifyError(parsed.error)}`);
  process.exit(1);
}

const env = readEnv();
const app = createConsoleApp({
  ...kubeTarget(),
  sessionSecret: env.SESSION_SECRET,
  secureCookies: env.SECURE_COOKIES === 'true',
  trustProxy: env.TRUST_PROXY === 'true',
  ...(env.PCM_OPS_OPERATOR_URL ? { operatorUrl: env.PCM_OPS_OPERATOR_URL } : {}),
});
app.on('error', (error: unknown) => console.error('console error', error));
app.listen(env.PORT, env.HOST, () => {
  console.log(`PCM-Ops console listening on http://${env.HOST}:${env.PORT}`);
});
