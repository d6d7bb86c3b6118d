// `npm run demo`: the whole product on this machine. A local control plane and AWS emulator, a
// seeded fleet in three accounts and two regions, the operator, the web console, and the
// credentials, scripts and executions of docs/examples. Ctrl-C (or SIGTERM) stops everything it
// started; if this process dies without stopping, the reaper in processes.ts still does.
import { createServer } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { assumeAccount, type Credentials } from '../support/aws.js';
import { Objects } from '../support/objects.js';
import { operatorKubeconfig, startOperator, type RunningOperator } from '../support/operator.js';
import { kubeconfigFor, startControlPlane, type ControlPlane } from './control-plane.js';
import { formatBanner, STOPPED_LINE, type DemoEndpoints } from './demo-banner.js';
import {
  buildConsoleIfStale,
  demoUserToken,
  startConsoleProcess,
  USER_NAME,
} from './demo-console.js';
import {
  hubUserKeys,
  OPERATOR_ACCOUNT,
  scriptFleetBehaviour,
  seedInstances,
  seedOrganization,
  type DemoInstance,
} from './demo-fleet.js';
import { linuxHostsUnavailable, startDemoLinuxHosts, type DemoLinuxHosts } from './demo-hosts.js';
import { startEmulator, type Emulator } from './emulator.js';
import { crdFiles } from './global-setup.js';
import { stopAll, stopProcess } from './processes.js';

const NAMESPACE = 'pcm-ops-demo';
const EXAMPLES = path.join(import.meta.dirname, '..', '..', 'docs', 'examples');
const DEFAULT_CONSOLE_PORT = 3000;
const started = Date.now();
// The seeding clients run on the Node this demo runs on; the SDK's notice about future Node
// versions says nothing about the demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)} s`;

// ---------------------------------------------------------------------------------------------
// stopping: every started piece registers how to stop it; a signal runs them newest first

const cleanups: (() => Promise<unknown>)[] = [];
let stopping: Promise<void> | undefined;
let keepFiles = process.env.PCM_OPS_KEEP_DATA === '1';

function onStop(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup);
}

async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: unknown) => console.error('while stopping:', error));
  }
  // anything started whose owner had not registered yet (a signal in the middle of start-up)
  await stopAll();
}

function shutdown(code: number): void {
  stopping ??= runCleanups().finally(() => {
    if (code === 0) say(STOPPED_LINE);
    process.exit(code);
  });
}

let firstSignalAt = 0;

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    // npm forwards the Ctrl-C its process group already delivered: only a later one is news
    if (Date.now() - firstSignalAt > 1_000) say(`${signal}: still stopping…`);
    return;
  }
  firstSignalAt = Date.now();
  say(
    `\n${signal}: stopping the console, the operator, the Linux hosts, the emulator and the control plane…`,
  );
  shutdown(0);
}

class Interrupted extends Error {}

function checkpoint(): void {
  if (stopping) throw new Interrupted('interrupted');
}

// ---------------------------------------------------------------------------------------------
// start-up steps

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** PCM_OPS_DEMO_PORT (0: any free port); else 3000 when free, else any free port. */
async function consolePort(): Promise<number> {
  const fromEnv = process.env.PCM_OPS_DEMO_PORT;
  if (fromEnv !== undefined && fromEnv !== '') {
    const port = Number(fromEnv);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`PCM_OPS_DEMO_PORT must be a port number (0 for any), not ${fromEnv}`);
    }
    return port;
  }
  return (await portIsFree(DEFAULT_CONSOLE_PORT)) ? DEFAULT_CONSOLE_PORT : 0;
}

/** Linux hosts are optional: a machine where sshd cannot run here (not root) gets the rest. */
type LinuxHosts = DemoLinuxHosts | { skipped: string };

const SSH_EXAMPLE = '06-linux-hosts-over-ssh.yaml';

async function startLinuxHosts(logDir: string): Promise<LinuxHosts> {
  const unavailable = linuxHostsUnavailable();
  if (unavailable) return { skipped: unavailable };
  const linux = await startDemoLinuxHosts(await example(SSH_EXAMPLE));
  onStop(() => linux.fleet.stop());
  // each host's sshd log beside the others, under the host's name in the inventory
  const all = [...linux.fleet.hosts, linux.fleet.bastion, ...linux.fleet.hidden];
  await Promise.all(
    linux.hosts.map((host) => {
      const sshd = all.find((h) => h.address === host.address)!;
      return symlink(sshd.logPath, path.join(logDir, `sshd-${host.name}.log`));
    }),
  );
  return linux;
}

async function startInfrastructure(
  logDir: string,
): Promise<{ plane: ControlPlane; emulator: Emulator; linux: LinuxHosts }> {
  const [plane, emulator, linux, build] = await Promise.allSettled([
    startControlPlane({ crdFiles: crdFiles(), logDir }),
    startEmulator({ logDir }),
    startLinuxHosts(logDir),
    buildConsoleIfStale(path.join(logDir, 'console-build.log')),
  ]);
  if (plane.status === 'fulfilled') onStop(() => plane.value.stop());
  if (emulator.status === 'fulfilled') onStop(() => emulator.value.stop());
  for (const result of [plane, emulator, linux, build]) {
    if (result.status === 'rejected') throw result.reason;
  }
  if (build.status === 'fulfilled' && build.value) say(`  console pages built`);
  return {
    plane: (plane as PromiseFulfilledResult<ControlPlane>).value,
    emulator: (emulator as PromiseFulfilledResult<Emulator>).value,
    linux: (linux as PromiseFulfilledResult<LinuxHosts>).value,
  };
}

async function startDemoOperator(
  plane: ControlPlane,
  emulator: Emulator,
  ambient: Credentials,
): Promise<RunningOperator> {
  const kubeconfigPath = await operatorKubeconfig(plane.kubeconfigPath, NAMESPACE);
  onStop(() => rm(path.dirname(kubeconfigPath), { recursive: true, force: true }));
  const operator = await startOperator({
    kubeconfigPath,
    namespace: NAMESPACE,
    emulatorEndpoint: emulator.endpoint,
    ambient,
    env: { PCM_OPS_LOG_LEVEL: 'info' },
  });
  onStop(async () => {
    await operator.stop();
    if (!keepFiles) await rm(path.dirname(operator.logPath), { recursive: true, force: true });
  });
  return operator;
}

async function kubectlApply(plane: ControlPlane, manifest: string): Promise<void> {
  const result = await plane.kubectl(['apply', '-n', NAMESPACE, '-f', '-'], manifest);
  // kubectl's messages name objects, never Secret values
  if (result.code !== 0) throw new Error(`kubectl apply: ${result.stderr.trim()}`);
}

const example = (file: string): Promise<string> => readFile(path.join(EXAMPLES, file), 'utf8');

const readyCredential = (objects: Objects, name: string): Promise<unknown> =>
  objects.waitForCondition('cloudcredentials', name, { type: 'Ready', status: 'True' }, 60_000);

/**
 * docs/examples as a user would apply them, with their placeholders filled from the emulator
 * (the hub user's access keys, and two seeded Windows servers for the run that awaits approval)
 * and from the Linux hosts (their addresses, keys and login). Without Linux hosts the examples
 * that need them are left out. Returns how many executions were applied.
 */
async function applyExamples(
  plane: ControlPlane,
  objects: Objects,
  fleet: { hubKeys: Credentials; instances: DemoInstance[]; linux: LinuxHosts },
): Promise<number> {
  const credentials = (await example('01-credentials.yaml'))
    .replace('REPLACE_WITH_ACCESS_KEY_ID', fleet.hubKeys.accessKeyId)
    .replace('REPLACE_WITH_SECRET_ACCESS_KEY', fleet.hubKeys.secretAccessKey);
  await kubectlApply(plane, credentials);
  await kubectlApply(plane, await example('02-scripts.yaml'));
  await kubectlApply(plane, await example('07-linux-scripts.yaml'));
  for (const name of ['hub', 'prod', 'staging', 'organization']) {
    await readyCredential(objects, name);
  }
  const linux = 'skipped' in fleet.linux ? undefined : fleet.linux;
  if (linux) {
    await kubectlApply(plane, linux.manifest);
    await readyCredential(objects, linux.credential);
  }
  await kubectlApply(plane, await example('03-patch-precheck-two-accounts.yaml'));
  await kubectlApply(plane, await example('04-tag-targeted.yaml'));
  const windows = fleet.instances.filter(
    (i) => i.name.startsWith('prod-euw1-') && i.platform === 'Windows',
  );
  let next = 0;
  const approval = (await example('05-suspended-for-approval.yaml')).replace(
    /i-0a1b2c3d4e5f6071[89]/g,
    () => windows[next++]?.instanceId ?? 'i-00000000000000000',
  );
  await kubectlApply(plane, approval);
  await kubectlApply(plane, await example('09-linux-precheck-ec2.yaml'));
  if (!linux) return 4;
  await kubectlApply(plane, await example('08-disk-check-linux-hosts.yaml'));
  return 6;
}

function linuxBanner(linux: LinuxHosts): DemoEndpoints['linux'] {
  if ('skipped' in linux) return linux;
  return { inventory: linux.inventory, credential: linux.credential, hosts: linux.hosts };
}

async function seedAws(
  emulator: Emulator,
  ambient: Credentials,
): Promise<{ hubKeys: Credentials; instances: DemoInstance[] }> {
  const [instances, hubKeys] = await Promise.all([
    seedInstances(emulator.endpoint),
    hubUserKeys(emulator.endpoint),
    seedOrganization(emulator.endpoint, ambient),
  ]);
  await scriptFleetBehaviour(emulator.control, instances);
  const accounts = new Set(instances.map((i) => i.accountId)).size;
  const windows = instances.filter((i) => i.platform === 'Windows').length;
  say(
    `  AWS emulator seeded: ${instances.length} instances (${windows} Windows) in ${accounts} accounts`,
  );
  return { hubKeys, instances };
}

async function writeUserFiles(
  plane: ControlPlane,
  dir: string,
  token: string,
): Promise<{ tokenPath: string; kubeconfigPath: string }> {
  const admin = new KubeConfig();
  admin.loadFromFile(plane.kubeconfigPath);
  const ca = Buffer.from(admin.getCurrentCluster()?.caData ?? '', 'base64').toString('utf8');
  const tokenPath = path.join(dir, 'login-token');
  const kubeconfigPath = path.join(dir, `${USER_NAME}.kubeconfig`);
  await writeFile(tokenPath, `${token}\n`, { mode: 0o600 });
  await writeFile(kubeconfigPath, kubeconfigFor(plane.server, ca, { name: USER_NAME, token }), {
    mode: 0o600,
  });
  return { tokenPath, kubeconfigPath };
}

async function main(): Promise<void> {
  say('PCM-Ops demo: starting a local control plane and the AWS emulator');
  say('(the first run builds them and the console pages: several minutes)…');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-demo-'));
  const logDir = path.join(dir, 'logs');
  await mkdir(logDir);
  say(`logs: ${logDir}`);
  onStop(() => (keepFiles ? Promise.resolve() : rm(dir, { recursive: true, force: true })));
  const port = await consolePort();

  const { plane, emulator, linux } = await startInfrastructure(logDir);
  say(`  control plane at ${plane.server}, AWS emulator at ${emulator.endpoint} (${elapsed()})`);
  say(
    'skipped' in linux
      ? `  no Linux hosts: ${linux.skipped}`
      : `  Linux hosts: ${linux.hosts.length} sshd hosts on loopback`,
  );
  checkpoint();
  const admin = new KubeConfig();
  admin.loadFromFile(plane.kubeconfigPath);
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
  // the operator's own identity: an assumed role, as IRSA or EKS Pod Identity gives it in a cluster
  const ambient = await assumeAccount(emulator.endpoint, OPERATOR_ACCOUNT, 'pcm-ops-operator');
  const [operator, fleet] = await Promise.all([
    startDemoOperator(plane, emulator, ambient),
    seedAws(emulator, ambient),
  ]);
  await symlink(operator.logPath, path.join(logDir, 'operator.log'));
  say(`  operator running (${elapsed()})`);
  checkpoint();
  const executions = await applyExamples(plane, new Objects(NAMESPACE, admin), {
    ...fleet,
    linux,
  });
  say(
    `  docs/examples applied: credentials Ready, scripts, ${executions} executions (${elapsed()})`,
  );
  checkpoint();

  const token = await demoUserToken(plane, admin, NAMESPACE);
  const user = await writeUserFiles(plane, dir, token);
  const console_ = await startConsoleProcess({
    kubeconfigPath: user.kubeconfigPath,
    operatorUrl: operator.apiUrl,
    logPath: path.join(logDir, 'console.log'),
    port,
  });
  onStop(() => stopProcess(console_.process));
  checkpoint();
  say(`  console running (${elapsed()})`);
  say();
  say(
    formatBanner({
      consoleUrl: console_.url,
      token,
      tokenPath: user.tokenPath,
      kubeconfigPath: plane.kubeconfigPath,
      namespace: NAMESPACE,
      kubectl: path.join(plane.binDir, 'kubectl'),
      operatorUrl: operator.apiUrl,
      emulatorUrl: emulator.endpoint,
      logDir,
      linux: linuxBanner(linux),
    }),
  );
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);

main().catch((error: unknown) => {
  if (stopping) return;
  keepFiles = true;
  console.error(`\nthe demo could not start: ${error instanceof Error ? error.message : error}`);
  console.error('the logs named above are kept');
  shutdown(1);
});
