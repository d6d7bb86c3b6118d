// A real Kubernetes control plane on loopback for integration tests and the demo: etcd,
// kube-apiserver (TLS, RBAC, ServiceAccount tokens) and kube-controller-manager running only the
// controllers a cluster without nodes needs (garbage collection, namespace deletion, service accounts).
import { spawn } from 'node:child_process';
import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ADMIN_USER,
  CONTROLLER_MANAGER_USER,
  generateClusterCerts,
  type CertPair,
  type ClusterCerts,
} from './certs.js';
import {
  freePort,
  startProcess,
  stopAll,
  stopProcess,
  waitFor,
  type ManagedProcess,
} from './processes.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** admin kubeconfig (client certificate in group system:masters) */
  kubeconfigPath: string;
  /** where etcd, kube-apiserver, kube-controller-manager and kubectl live */
  binDir: string;
  /** temp dir with certificates, etcd data and (by default) logs */
  dataDir: string;
  /** runs kubectl with the admin kubeconfig; never throws on a non-zero exit */
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
  /** stops kube-apiserver and starts it again on the same port, resolving once it is ready */
  restartApiServer(): Promise<void>;
  /**
   * Stops one component (SIGTERM and wait, or SIGKILL at once), keeps it down for `downMs`, then
   * starts it again on the same ports and data, resolving once it (and the API server) is ready.
   */
  restart(
    component: 'kube-apiserver' | 'etcd',
    how: { signal: 'SIGTERM' | 'SIGKILL'; downMs?: number },
  ): Promise<void>;
  /** stops every process; removes dataDir unless PCM_OPS_KEEP_DATA=1 */
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** CRD manifests installed before kube-controller-manager starts, so its garbage collector knows them */
  crdFiles?: string[];
  /** where process logs go; defaults to `<dataDir>/logs` (removed by stop) */
  logDir?: string;
}

/** Who a kubeconfig authenticates as: a client certificate or a bearer token (PEM/plain text). */
export type KubeconfigUser =
  { name: string; cert: string; key: string } | { name: string; token: string };

const BUILD_SCRIPT = path.join(import.meta.dirname, 'build-binaries.sh');
const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
// namespace deletion, default ServiceAccounts, ownerReference GC, and the aggregated admin/edit/view roles
const CONTROLLERS =
  'garbagecollector,namespace,serviceaccount,serviceaccount-token,clusterrole-aggregation';
const START_TIMEOUT_MS = 90_000;

interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
  controllerManager: number;
}

interface Layout {
  binDir: string;
  dataDir: string;
  logDir: string;
  certs: ClusterCerts;
  ports: Ports;
}

interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

interface HttpResult {
  status: number;
  body: string;
}

// ---------------------------------------------------------------------------------------------
// binaries and commands

/** The binaries' directory: PCM_OPS_BIN_DIR, or the build script's cached (or fresh) build. */
export async function resolveBinDir(): Promise<string> {
  const fromEnv = process.env.PCM_OPS_BIN_DIR;
  if (fromEnv) return fromEnv;
  const { code, stdout } = await runCommand('bash', [BUILD_SCRIPT], { stderr: 'inherit' });
  const dir = stdout.trim().split('\n').pop();
  if (code !== 0 || !dir) throw new Error(`${BUILD_SCRIPT} failed with exit code ${code}`);
  return dir;
}

interface RunOptions {
  input?: string;
  stderr?: 'pipe' | 'inherit';
}

function runCommand(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', options.stderr ?? 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
    // A command that exits before reading its input closes the pipe; that is not an error here.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

// ---------------------------------------------------------------------------------------------
// command lines and kubeconfigs (pure)

function etcdArgs(layout: Layout): string[] {
  const client = `http://127.0.0.1:${layout.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${layout.ports.etcdPeer}`;
  return [
    '--name=pcm-ops',
    `--data-dir=${path.join(layout.dataDir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=pcm-ops=${peer}`,
    '--initial-cluster-state=new',
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

function apiServerArgs(layout: Layout): string[] {
  const { certs, ports } = layout;
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${ports.apiServer}`,
    `--cert-dir=${path.join(layout.dataDir, 'kube-apiserver')}`,
    `--tls-cert-file=${certs.apiServer.certPath}`,
    `--tls-private-key-file=${certs.apiServer.keyPath}`,
    `--client-ca-file=${certs.ca.certPath}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${certs.serviceAccount.publicKeyPath}`,
    `--service-account-signing-key-file=${certs.serviceAccount.privateKeyPath}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    // bounds graceful shutdown to ~2 s while clients hold watches open (otherwise up to 60 s)
    '--shutdown-send-retry-after=true',
    '--profiling=false',
  ];
}

function controllerManagerArgs(layout: Layout): string[] {
  const { certs, dataDir, ports } = layout;
  const kubeconfig = path.join(dataDir, 'kube-controller-manager.kubeconfig');
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    // the apiserver has no front proxy, so there is no request-header CA to look up
    '--authentication-skip-lookup=true',
    `--client-ca-file=${certs.ca.certPath}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    `--cert-dir=${path.join(dataDir, 'kube-controller-manager')}`,
    `--controllers=${CONTROLLERS}`,
    '--leader-elect=false',
    `--service-account-private-key-file=${certs.serviceAccount.privateKeyPath}`,
    `--root-ca-file=${certs.ca.certPath}`,
    // each controller acts as its own ServiceAccount, bound by the bootstrap RBAC policy;
    // the kube-controller-manager user alone may not delete namespaces' contents
    '--use-service-account-credentials=true',
    '--profiling=false',
  ];
}

/** A kubeconfig with everything embedded, readable by kubectl and client-node alike. */
export function kubeconfigFor(server: string, caPem: string, user: KubeconfigUser): string {
  const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
  const credentials =
    'token' in user
      ? { token: user.token }
      : { 'client-certificate-data': b64(user.cert), 'client-key-data': b64(user.key) };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'pcm-ops', cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [{ name: user.name, user: credentials }],
    contexts: [
      { name: 'pcm-ops', context: { cluster: 'pcm-ops', user: user.name, namespace: 'default' } },
    ],
    'current-context': 'pcm-ops',
    preferences: {},
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// readiness probes

/** GET over http, or https with the given client certificate (or none, trusting any server). */
function get(url: string, tls?: TlsMaterial | 'insecure'): Promise<HttpResult> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  const tlsOptions = tls === 'insecure' ? { rejectUnauthorized: false } : (tls ?? {});
  return new Promise((resolve, reject) => {
    const req = send(url, { ...tlsOptions, agent: false, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

interface Readiness {
  what: string;
  url: string;
  tls?: TlsMaterial | 'insecure';
  accept: (result: HttpResult) => boolean;
}

const answersOk = (r: HttpResult): boolean => r.status === 200 && r.body.trim() === 'ok';
const exists = (r: HttpResult): boolean => r.status === 200;

async function startComponent(
  layout: Layout,
  name: string,
  args: string[],
  readiness: Readiness[],
): Promise<ManagedProcess> {
  const proc = await startProcess({
    name,
    command: path.join(layout.binDir, name),
    args,
    logPath: path.join(layout.logDir, `${name}.log`),
  });
  for (const check of readiness) {
    await waitFor(
      check.what,
      async () => (check.accept(await get(check.url, check.tls)) ? true : undefined),
      {
        timeoutMs: START_TIMEOUT_MS,
        watch: proc,
      },
    );
  }
  return proc;
}

function startEtcd(layout: Layout): Promise<ManagedProcess> {
  return startComponent(layout, 'etcd', etcdArgs(layout), [
    {
      what: 'etcd /health',
      url: `http://127.0.0.1:${layout.ports.etcdClient}/health`,
      accept: (r) => r.status === 200 && r.body.includes('"true"'),
    },
  ]);
}

function startApiServer(layout: Layout, admin: TlsMaterial): Promise<ManagedProcess> {
  const base = `https://127.0.0.1:${layout.ports.apiServer}`;
  return startComponent(layout, 'kube-apiserver', apiServerArgs(layout), [
    { what: 'kube-apiserver /readyz', url: `${base}/readyz`, tls: admin, accept: answersOk },
    {
      what: 'namespace default',
      url: `${base}/api/v1/namespaces/default`,
      tls: admin,
      accept: exists,
    },
  ]);
}

async function waitForApiServer(layout: Layout, admin: TlsMaterial): Promise<void> {
  const base = `https://127.0.0.1:${layout.ports.apiServer}`;
  await waitFor(
    'kube-apiserver /readyz after etcd came back',
    async () => {
      const ready = await get(`${base}/readyz`, admin).catch(() => undefined);
      return ready && answersOk(ready) ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
}

function startControllerManager(layout: Layout, admin: TlsMaterial): Promise<ManagedProcess> {
  const healthz = `https://127.0.0.1:${layout.ports.controllerManager}/healthz`;
  const defaultSa = `https://127.0.0.1:${layout.ports.apiServer}/api/v1/namespaces/default/serviceaccounts/default`;
  return startComponent(layout, 'kube-controller-manager', controllerManagerArgs(layout), [
    { what: 'kube-controller-manager /healthz', url: healthz, tls: 'insecure', accept: answersOk },
    // shows the controllers really run, not just the health server
    { what: 'ServiceAccount default/default', url: defaultSa, tls: admin, accept: exists },
  ]);
}

// ---------------------------------------------------------------------------------------------
// set-up

async function readTls(pair: CertPair, caPath: string): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all([
    readFile(caPath, 'utf8'),
    readFile(pair.certPath, 'utf8'),
    readFile(pair.keyPath, 'utf8'),
  ]);
  return { ca, cert, key };
}

async function allocatePorts(): Promise<Ports> {
  const [etcdClient, etcdPeer, apiServer, controllerManager] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  return { etcdClient, etcdPeer, apiServer, controllerManager };
}

async function prepareLayout(options: ControlPlaneOptions): Promise<Layout> {
  const binDir = await resolveBinDir();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-cp-'));
  const logDir = options.logDir ?? path.join(dataDir, 'logs');
  const pkiDir = path.join(dataDir, 'pki');
  await Promise.all([mkdir(logDir, { recursive: true }), mkdir(pkiDir, { recursive: true })]);
  const [certs, ports] = await Promise.all([generateClusterCerts(pkiDir), allocatePorts()]);
  return { binDir, dataDir, logDir, certs, ports };
}

/** Writes the admin and kube-controller-manager kubeconfigs; returns the admin's TLS material. */
async function writeKubeconfigs(layout: Layout, server: string): Promise<TlsMaterial> {
  const { certs, dataDir } = layout;
  const [admin, kcm] = await Promise.all([
    readTls(certs.admin, certs.ca.certPath),
    readTls(certs.controllerManager, certs.ca.certPath),
  ]);
  const write = (file: string, user: KubeconfigUser): Promise<void> =>
    writeFile(path.join(dataDir, file), kubeconfigFor(server, admin.ca, user), { mode: 0o600 });
  await write('admin.kubeconfig', { name: ADMIN_USER, ...admin });
  await write('kube-controller-manager.kubeconfig', { name: CONTROLLER_MANAGER_USER, ...kcm });
  return admin;
}

function keepData(): boolean {
  return process.env.PCM_OPS_KEEP_DATA === '1';
}

/**
 * Starts etcd, kube-apiserver and kube-controller-manager on free loopback ports and resolves once
 * all are ready. On failure everything started is stopped again and the data dir with the logs kept.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const layout = await prepareLayout(options);
  const server = `https://127.0.0.1:${layout.ports.apiServer}`;
  const admin = await writeKubeconfigs(layout, server);
  const kubeconfigPath = path.join(layout.dataDir, 'admin.kubeconfig');
  const kubectlArgs = [
    `--kubeconfig=${kubeconfigPath}`,
    `--cache-dir=${path.join(layout.dataDir, 'kubectl-cache')}`,
  ];
  const procs: { etcd?: ManagedProcess; apiServer?: ManagedProcess; kcm?: ManagedProcess } = {};

  const stopProcesses = (): Promise<void> =>
    stopAll([procs.kcm, procs.apiServer, procs.etcd].filter((p) => p !== undefined));

  const cp: ControlPlane = {
    server,
    kubeconfigPath,
    binDir: layout.binDir,
    dataDir: layout.dataDir,
    kubectl: (args, input) =>
      runCommand(path.join(layout.binDir, 'kubectl'), [...kubectlArgs, ...args], { input }),
    restartApiServer: async () => {
      if (procs.apiServer) await stopProcess(procs.apiServer);
      procs.apiServer = await startApiServer(layout, admin);
    },
    restart: async (component, how) => {
      const key = component === 'etcd' ? 'etcd' : 'apiServer';
      const running = procs[key];
      if (running && how.signal === 'SIGKILL') {
        process.kill(-running.pid, 'SIGKILL');
        await running.exited;
      } else if (running) await stopProcess(running);
      await new Promise((resolve) => setTimeout(resolve, how.downMs ?? 0));
      if (component === 'etcd') {
        procs.etcd = await startEtcd(layout);
        // the API server reconnects by itself; wait until it serves again
        await waitForApiServer(layout, admin);
      } else procs.apiServer = await startApiServer(layout, admin);
    },
    stop: async () => {
      await stopProcesses();
      if (!keepData()) await rm(layout.dataDir, { recursive: true, force: true });
    },
  };

  try {
    procs.etcd = await startEtcd(layout);
    procs.apiServer = await startApiServer(layout, admin);
    await installCrds(cp, options.crdFiles ?? []);
    procs.kcm = await startControllerManager(layout, admin);
  } catch (error) {
    await stopProcesses();
    // the data dir stays, so the logs that explain the failure can be read
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`local control plane failed to start: ${reason} (logs in ${layout.logDir})`, {
      cause: error,
    });
  }
  return cp;
}

// ---------------------------------------------------------------------------------------------
// CRDs

interface CrdSummary {
  name: string;
  group: string;
  plural: string;
  versions: string[];
  establishedAt?: string;
}

interface CrdObject {
  metadata: { name: string };
  spec: { group: string; names: { plural: string }; versions: { name: string; served: boolean }[] };
  status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

function summarizeCrd(crd: CrdObject): CrdSummary {
  const established = crd.status?.conditions?.find(
    (c) => c.type === 'Established' && c.status === 'True',
  );
  return {
    name: crd.metadata.name,
    group: crd.spec.group,
    plural: crd.spec.names.plural,
    versions: crd.spec.versions.filter((v) => v.served).map((v) => v.name),
    establishedAt: established?.lastTransitionTime,
  };
}

/**
 * The apiserver holds every create of a custom resource for 2 s while its CRD was Established
 * less than 2 s ago (so HA peers catch up). Waiting that window out here keeps the delay out of
 * the tests and benchmarks that create resources right after installing CRDs.
 */
function msUntilCreatesAreFast(crds: CrdSummary[], now: number): number {
  const latest = Math.max(
    0,
    ...crds.map((c) => (c.establishedAt ? Date.parse(c.establishedAt) : 0)),
  );
  return Math.max(0, latest + 2_000 + 100 - now);
}

async function kubectlOrThrow(cp: ControlPlane, args: string[]): Promise<string> {
  const result = await cp.kubectl(args);
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

async function servesPlural(
  cp: ControlPlane,
  groupVersion: string,
  plural: string,
): Promise<true | undefined> {
  const result = await cp.kubectl(['get', '--raw', `/apis/${groupVersion}`]);
  if (result.code !== 0) return undefined;
  const list = JSON.parse(result.stdout) as { resources?: { name: string }[] };
  return list.resources?.some((r) => r.name === plural) ? true : undefined;
}

async function waitDiscoverable(cp: ControlPlane, crd: CrdSummary): Promise<void> {
  for (const version of crd.versions) {
    await waitFor(`${crd.plural}.${crd.group}/${version} in discovery`, () =>
      servesPlural(cp, `${crd.group}/${version}`, crd.plural),
    );
  }
}

async function appliedCrdNames(cp: ControlPlane, files: string[]): Promise<string[]> {
  const fileArgs = files.flatMap((f) => ['-f', f]);
  const applied = await kubectlOrThrow(cp, [
    'apply',
    '--server-side',
    '--force-conflicts',
    '-o',
    'name',
    ...fileArgs,
  ]);
  return applied
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('customresourcedefinition.apiextensions.k8s.io/'));
}

async function fetchCrds(cp: ControlPlane, names: string[]): Promise<CrdSummary[]> {
  const fetched = JSON.parse(await kubectlOrThrow(cp, ['get', '-o', 'json', ...names])) as
    CrdObject | { items: CrdObject[] };
  // one name gives the object itself, several give a List
  return ('items' in fetched ? fetched.items : [fetched]).map(summarizeCrd);
}

/**
 * Applies manifests server-side, then waits until each CRD among them is Established, served in
 * discovery, and past the apiserver's just-established window.
 */
export async function installCrds(cp: ControlPlane, files: string[]): Promise<void> {
  if (files.length === 0) return;
  const names = await appliedCrdNames(cp, files);
  if (names.length === 0) return;
  await kubectlOrThrow(cp, ['wait', '--for=condition=Established', '--timeout=60s', ...names]);
  const crds = await fetchCrds(cp, names);
  for (const crd of crds) await waitDiscoverable(cp, crd);
  await sleep(msUntilCreatesAreFast(crds, Date.now()));
}
