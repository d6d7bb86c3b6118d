// Runs the real operator as a separate process, under the RBAC it ships with, for integration tests.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type RbacV1Subject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { kubeconfigFor } from '../infra/control-plane.js';
import {
  freePort,
  startProcess,
  stopProcess,
  waitFor,
  type ManagedProcess,
} from '../infra/processes.js';

const repoRoot = path.join(import.meta.dirname, '..', '..');
const OPERATOR_MAIN = path.join(repoRoot, 'operator', 'src', 'main.ts');
const RBAC_FILE = path.join(repoRoot, 'charts', 'pcm-ops', 'files', 'operator-rbac.yaml');
const SERVICE_ACCOUNT = 'pcm-ops-operator';

function loadAdmin(kubeconfigPath: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

function isAlreadyExists(error: unknown): boolean {
  return (error as { code?: number }).code === 409;
}

async function createOrKeep(create: () => Promise<unknown>): Promise<void> {
  await create().catch((error: unknown) => {
    if (!isAlreadyExists(error)) throw error;
  });
}

/** Another version's RBAC file, its ClusterRole installed under its own name. */
export interface OtherRbac {
  file: string;
  /** appended to the ClusterRole's name, so it does not meet this version's */
  suffix: string;
}

/**
 * Installs charts/pcm-ops/files/operator-rbac.yaml (or another version's) for a ServiceAccount in
 * `namespace` and returns the path of a kubeconfig that authenticates as that ServiceAccount with a
 * fresh token.
 */
export async function operatorKubeconfig(
  adminKubeconfigPath: string,
  namespace: string,
  other?: OtherRbac,
): Promise<string> {
  const admin = loadAdmin(adminKubeconfigPath);
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const [clusterRole, leaderRole] = parseAllDocuments(
    await readFile(other?.file ?? RBAC_FILE, 'utf8'),
  ).map((d) => d.toJS());
  if (other) clusterRole.metadata.name = `${clusterRole.metadata.name}-${other.suffix}`;
  const subject: RbacV1Subject = { kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace };
  await createOrKeep(() =>
    core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: SERVICE_ACCOUNT } },
    }),
  );
  await createOrKeep(() => rbac.createClusterRole({ body: clusterRole }));
  await createOrKeep(() => rbac.createNamespacedRole({ namespace, body: leaderRole }));
  await createOrKeep(() =>
    rbac.createClusterRoleBinding({
      body: {
        metadata: { name: `pcm-ops-operator-${namespace}` },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: clusterRole.metadata.name,
        },
        subjects: [subject],
      },
    }),
  );
  await createOrKeep(() =>
    rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'pcm-ops-operator-leader-election' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: leaderRole.metadata.name,
        },
        subjects: [subject],
      },
    }),
  );
  const token = await core.createNamespacedServiceAccountToken({
    name: SERVICE_ACCOUNT,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3 * 3600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const ca = Buffer.from(cluster.caData ?? '', 'base64').toString('utf8');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-operator-'));
  const file = path.join(dir, 'operator.kubeconfig');
  await writeFile(
    file,
    kubeconfigFor(cluster.server, ca, { name: SERVICE_ACCOUNT, token: token.status!.token! }),
    {
      mode: 0o600,
    },
  );
  return file;
}

export interface OperatorOptions {
  kubeconfigPath: string;
  /** The namespace it watches and keeps its Lease in. */
  namespace: string;
  emulatorEndpoint: string;
  /** The operator's own AWS identity (what IRSA would give it in a cluster). */
  ambient: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  identity?: string;
  env?: Record<string, string>;
}

export interface RunningOperator {
  readonly identity: string;
  readonly process: ManagedProcess;
  readonly logPath: string;
  readonly metricsUrl: string;
  /** Base URL of its HTTP API (`/api/v1/...`, /healthz, /metrics). */
  readonly apiUrl: string;
  metrics(): Promise<string>;
  /** Sum of a counter or gauge over all label sets whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  logs(): Promise<string>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

function sumMetric(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Starts `operator/src/main.ts` in its own process and waits until it serves /healthz. */
export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const port = await freePort();
  const identity = options.identity ?? `operator-${port}`;
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-operator-log-'));
  const logPath = path.join(logDir, `${identity}.log`);
  const { accessKeyId, secretAccessKey, sessionToken } = options.ambient;
  const proc = await startProcess({
    name: identity,
    command: process.execPath,
    args: ['--conditions=source', '--import', 'tsx', OPERATOR_MAIN],
    logPath,
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUBECONFIG: options.kubeconfigPath,
      PCM_OPS_NAMESPACE: options.namespace,
      PCM_OPS_POD_NAMESPACE: options.namespace,
      PCM_OPS_IDENTITY: identity,
      PCM_OPS_HTTP_HOST: '127.0.0.1',
      PCM_OPS_HTTP_PORT: String(port),
      PCM_OPS_AWS_ENDPOINT_URL: options.emulatorEndpoint,
      PCM_OPS_LOG_LEVEL: 'debug',
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      ...(sessionToken ? { AWS_SESSION_TOKEN: sessionToken } : {}),
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...options.env,
    },
  });
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  await waitFor(
    `operator ${identity} /healthz`,
    async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined),
    { timeoutMs: 60_000, watch: proc },
  );
  const metrics = async (): Promise<string> => (await fetch(metricsUrl)).text();
  return {
    identity,
    process: proc,
    logPath,
    metricsUrl,
    apiUrl: `http://127.0.0.1:${port}`,
    metrics,
    metric: async (name, labels = {}) => sumMetric(await metrics(), name, labels),
    logs: () => readFile(logPath, 'utf8'),
    stop: () => stopProcess(proc),
    kill: async () => {
      // An operator that could not renew its lease in time has already exited, as it should.
      if (proc.isRunning()) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      await proc.exited;
    },
  };
}

export interface SupervisedOperator {
  /** Operators started so far, the current one last. */
  readonly started: RunningOperator[];
  current(): RunningOperator | undefined;
  /** Every log line of every operator started. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Keeps one operator running, as a Deployment does: when it exits (it lost its lease during an
 * outage, say), a fresh one starts.
 */
export function superviseOperator(options: OperatorOptions): SupervisedOperator {
  const started: RunningOperator[] = [];
  let stopped = false;
  let starting: Promise<void> = Promise.resolve();
  const launch = async (): Promise<void> => {
    while (!stopped) {
      try {
        const op = await startOperator({
          ...options,
          identity: `${options.identity ?? 'op'}-${started.length}`,
        });
        started.push(op);
        await op.process.exited;
      } catch {
        // the control plane may be down for the moment: try again shortly
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  starting = launch();
  return {
    started,
    current: () => started.filter((op) => op.process.isRunning()).at(-1),
    logs: async () => (await Promise.all(started.map((op) => op.logs()))).join('\n'),
    stop: async () => {
      stopped = true;
      await Promise.all(started.map((op) => op.stop()));
      await starting;
    },
  };
}
