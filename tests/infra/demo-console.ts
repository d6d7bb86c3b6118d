// The console in the demo: its pages built when the sources are newer than the build, a person's
// login bound to the chart's own pcm-ops-admin role, and console/server/main.ts as its own process.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { ensureConsoleBuild } from './console-build.js';
import type { ControlPlane } from './control-plane.js';
import { freePort, startProcess, waitFor, type ManagedProcess } from './processes.js';

const execFileAsync = promisify(execFile);
const repoRoot = path.join(import.meta.dirname, '..', '..');
const CONSOLE_DIR = path.join(repoRoot, 'console');
const CONSOLE_MAIN = path.join(CONSOLE_DIR, 'server', 'main.ts');
const CHART = path.join(repoRoot, 'charts', 'pcm-ops');
/** The chart's role for people who manage credentials, scripts and executions. */
export const USER_ROLE = 'pcm-ops-admin';
export const USER_NAME = 'demo-user';
const TOKEN_SECONDS = 24 * 3600;

/** Runs `remix vite:build` when console/build is missing or older than the app's sources. */
export async function buildConsoleIfStale(logPath: string): Promise<boolean> {
  try {
    const output = await ensureConsoleBuild();
    if (output === undefined) return false;
    await writeFile(logPath, output);
  } catch (error) {
    const detail = error as { stdout?: string; stderr?: string };
    await writeFile(logPath, `${detail.stdout ?? ''}${detail.stderr ?? ''}`);
    throw new Error(`building the console pages failed; see ${logPath}`, { cause: error });
  }
  return true;
}

/** Installs the chart's user roles exactly as `helm template` renders them. */
async function installUserRoles(plane: ControlPlane): Promise<void> {
  const version = await plane.kubectl(['get', '--raw', '/version']);
  const { gitVersion } = JSON.parse(version.stdout) as { gitVersion: string };
  const { stdout } = await execFileAsync(path.join(plane.binDir, 'helm'), [
    'template',
    'pcm-ops',
    CHART,
    '--kube-version',
    gitVersion,
    '--show-only',
    'templates/user-roles.yaml',
  ]);
  const applied = await plane.kubectl(['apply', '-f', '-'], stdout);
  if (applied.code !== 0) throw new Error(`applying the chart's user roles: ${applied.stderr}`);
}

/**
 * A ServiceAccount bound to pcm-ops-admin in `namespace` with a bearer token, as a cluster admin
 * would grant a person the console with an ordinary RoleBinding.
 */
export async function demoUserToken(
  plane: ControlPlane,
  admin: KubeConfig,
  namespace: string,
): Promise<string> {
  await installUserRoles(plane);
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: USER_NAME } } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: `${USER_NAME}-${USER_ROLE}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: USER_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: USER_NAME, namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    name: USER_NAME,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: TOKEN_SECONDS } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ${USER_NAME} returned no token`);
  return token;
}

export interface ConsoleProcessOptions {
  /** Only its cluster (server and CA) is read: the console calls the API with each user's token. */
  kubeconfigPath: string;
  operatorUrl: string;
  logPath: string;
  /** 0: any free port */
  port: number;
}

export interface RunningDemoConsole {
  url: string;
  process: ManagedProcess;
}

/** Starts console/server/main.ts on loopback and resolves once it answers /healthz. */
export async function startConsoleProcess(
  options: ConsoleProcessOptions,
): Promise<RunningDemoConsole> {
  const port = options.port === 0 ? await freePort() : options.port;
  const proc = await startProcess({
    name: 'console',
    command: process.execPath,
    args: ['--conditions=source', '--import', 'tsx', CONSOLE_MAIN],
    logPath: options.logPath,
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUBECONFIG: options.kubeconfigPath,
      HOST: '127.0.0.1',
      PORT: String(port),
      SESSION_SECRET: randomBytes(32).toString('hex'),
      // plain HTTP on loopback: a Secure cookie would never be sent back
      SECURE_COOKIES: 'false',
      PCM_OPS_OPERATOR_URL: options.operatorUrl,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the console /healthz',
    async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined),
    { timeoutMs: 60_000, watch: proc },
  );
  return { url, process: proc };
}
