// Real Linux SSH hosts on loopback for the SSH provider's integration tests: Debian's OpenSSH
// sshd, one process per host on its own 127.0.0.N address (all of 127/8 is loopback) and a free
// port, each with its own ed25519 host key; a bastion that alone permits TCP forwarding, and hidden
// hosts meant to be reached through it.
//
// This changes the machine it runs on (a test machine, as root): it creates the login users
// `pcmops` (passwordless sudo through /etc/sudoers.d/pcmops-test) and `pcmops-nosudo` when they do
// not exist, sets their password field to `*`, and creates /run/sshd, sshd's privilege-separation
// directory. Everything else (keys, configs, logs) lives in a temp dir that stop() removes.
//
// Each sshd runs as pid 1 of its own PID namespace (`unshare --pid --fork --kill-child`), with a
// /proc of its own (--mount-proc) so that its sessions see the pids they are given, as on a real
// host (ps and kill inside agree on the numbers): sshd's
// per-connection children call setsid() and so leave the process group that processes.ts stops and
// reaps, but when a namespace's pid 1 exits the kernel kills everything else in it. Stopping a host
// therefore also ends its open connections and their commands, as a host going down would; and if
// the test process dies, the reaper of processes.ts kills the unshare process groups, whose sshd
// follows (--kill-child) with its namespace.
//
// Hidden hosts accept direct connections too: a connection the bastion forwards comes from
// 127.0.0.1, the source address the kernel gives every connection within 127/8, and so does a
// direct client's; no `from=` rule or sshd Match can tell the two apart. What shows a connection
// went through the bastion is the bastion's log (forwardsTo), and that with the bastion stopped
// the hidden hosts can no longer be reached through it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, startProcess, stopProcess, waitFor, type ManagedProcess } from './processes.js';

const execFileAsync = promisify(execFile);

export interface SshHost {
  name: string;
  address: string;
  port: number;
  /** the host's public key as an OpenSSH line without comment: `ssh-ed25519 AAAA…` */
  hostKey: string;
  /** `SHA256:…` as `ssh-keygen -l` prints it */
  fingerprint: string;
  /** a scratch dir (mode 1777) the host's sessions see as $PCM_TEST_HOST_DIR */
  dir: string;
  /** sshd's log (LogLevel VERBOSE, DEBUG1 on the bastion), kept across stop(host) and start(host) */
  logPath: string;
}

export interface SshFleet {
  /** plain hosts: no forwarding */
  hosts: SshHost[];
  /** the jump host: permits TCP forwarding (direct-tcpip) to any address, the hidden hosts included */
  bastion: SshHost;
  /** hosts meant to be reached through the bastion (they accept direct connections too: see above) */
  hidden: SshHost[];
  /** login users on every host: one with passwordless sudo (`sudo -n` works), one without sudo */
  users: { sudo: string; plain: string };
  /** an ed25519 key pair (OpenSSH formats) authorized for both users on every host */
  userKey: { privateKey: string; publicKey: string };
  /**
   * Stops one host (a host down: its port refuses connections, its sessions end), or all of them
   * and removes the temp dir (kept with PCM_OPS_KEEP_DATA=1).
   */
  stop(host?: SshHost): Promise<void>;
  /** starts a stopped host again, on the same address and port with the same host key */
  start(host: SshHost): Promise<void>;
  /** restarts (or starts) a host with a NEW host key, updating its hostKey and fingerprint */
  rekey(host: SshHost): Promise<void>;
  /**
   * How many TCP forwardings (direct-tcpip channels) the bastion has connected to the host so far,
   * from its log. sshd's privileged monitor writes the line a moment after the channel opened, so
   * poll for a new one (expect.poll).
   */
  forwardsTo(host: SshHost): Promise<number>;
  /** the ids of every process of the fleet now: sshd listeners, connections, their commands */
  pids(): Promise<number[]>;
}

export interface SshFleetOptions {
  /** how many plain hosts */
  hosts: number;
  /** how many hidden hosts behind the bastion (default 0) */
  hidden?: number;
}

const SSHD = '/usr/sbin/sshd';
const SUDO_USER = 'pcmops';
const PLAIN_USER = 'pcmops-nosudo';
const SUDOERS_FILE = '/etc/sudoers.d/pcmops-test';
const START_TIMEOUT_MS = 30_000;

interface Layout {
  root: string;
  authorizedKeysDir: string;
}

interface HostState {
  host: SshHost;
  bastion: boolean;
  hostDir: string;
  proc?: ManagedProcess;
}

// ---------------------------------------------------------------------------------------------
// commands

async function run(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { timeout: 60_000 });
    return stdout;
  } catch (error) {
    const detail = error as { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${detail.stderr?.trim() ?? ''}`, {
      cause: error,
    });
  }
}

async function succeeds(command: string, args: string[]): Promise<boolean> {
  return run(command, args).then(
    () => true,
    () => false,
  );
}

/** Throws, saying what to do, when this process cannot run the fleet (root, sshd and sudo). */
export function assertCanRunSshd(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the SSH fleet runs sshd as root and creates test users: run the tests as root',
    );
  }
  if (!existsSync(SSHD) || !existsSync('/usr/bin/sudo')) {
    throw new Error(
      `${SSHD} or /usr/bin/sudo is missing: run \`npm run bootstrap\` (as root it installs them) ` +
        'or `apt-get install openssh-server sudo`',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// the machine: users, sudo, sshd's privilege-separation dir

async function ensureUser(name: string): Promise<void> {
  if (!(await succeeds('id', ['-u', name]))) {
    // another test process may create it at the same moment
    await run('useradd', ['-m', '-s', '/bin/bash', name]).catch(async (error: unknown) => {
      if (!(await succeeds('id', ['-u', name]))) throw error;
    });
  }
  // With UsePAM no, sshd refuses every login to an account whose password is locked (useradd's
  // `!`), keys included; `*` means no password matches, which suits a key-only test user.
  await run('usermod', ['-p', '*', name]);
}

async function ensureSudoers(): Promise<void> {
  const rule = `${SUDO_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n`;
  if ((await readFile(SUDOERS_FILE, 'utf8').catch(() => '')) === rule) return;
  // sudo skips files in sudoers.d whose name holds a dot, so the candidate is inert until renamed
  const candidate = `${path.dirname(SUDOERS_FILE)}/.pcmops-test.${process.pid}`;
  await writeFile(candidate, rule, { mode: 0o440 });
  try {
    await run('visudo', ['-cf', candidate]);
    await rename(candidate, SUDOERS_FILE);
  } finally {
    await rm(candidate, { force: true });
  }
}

async function prepareMachine(): Promise<void> {
  await Promise.all([ensureUser(SUDO_USER), ensureUser(PLAIN_USER)]);
  await ensureSudoers();
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
}

// ---------------------------------------------------------------------------------------------
// keys and configuration

/** mkdir, then chmod: the umask narrows the mode mkdir gives, and the users' sshd must get in. */
async function makeDir(dir: string, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, mode);
}

async function generateKey(file: string, comment: string): Promise<void> {
  await rm(file, { force: true });
  await rm(`${file}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

/** `type base64` of a public key file, without its comment. */
async function publicKeyLine(file: string): Promise<string> {
  const [type, base64] = (await readFile(`${file}.pub`, 'utf8')).trim().split(/\s+/);
  return `${type} ${base64}`;
}

async function fingerprintOf(file: string): Promise<string> {
  // `256 SHA256:… comment (ED25519)`
  const printed = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]);
  const fingerprint = printed.split(' ')[1];
  if (!fingerprint?.startsWith('SHA256:')) throw new Error(`ssh-keygen -l printed ${printed}`);
  return fingerprint;
}

/** The SHA-256 fingerprint of a raw public key blob, as ssh-keygen prints it. */
export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

const hostKeyPath = (state: HostState): string => path.join(state.hostDir, 'ssh_host_ed25519_key');
const configPath = (state: HostState): string => path.join(state.hostDir, 'sshd_config');

async function newHostKey(state: HostState): Promise<void> {
  const file = hostKeyPath(state);
  await generateKey(file, state.host.name);
  state.host.hostKey = await publicKeyLine(file);
  state.host.fingerprint = await fingerprintOf(file);
}

function sshdConfig(state: HostState, layout: Layout): string {
  const { host } = state;
  return [
    `ListenAddress ${host.address}:${host.port}`,
    `HostKey ${hostKeyPath(state)}`,
    'PidFile none',
    `AuthorizedKeysFile ${layout.authorizedKeysDir}/%u`,
    // the key files live in a temp dir owned by root, not in the users' homes
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin no',
    `AllowTcpForwarding ${state.bastion ? 'yes' : 'no'}`,
    // many hosts dispatched at once from one client address must not be throttled
    'MaxStartups 100:30:200',
    'MaxSessions 20',
    // VERBOSE logs refused forwards but not permitted ones, which only DEBUG1 records
    `LogLevel ${state.bastion ? 'DEBUG1' : 'VERBOSE'}`,
    `SetEnv PCM_TEST_HOST=${host.name} PCM_TEST_HOST_DIR=${host.dir}`,
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

async function writeUserKey(layout: Layout): Promise<SshFleet['userKey']> {
  const file = path.join(layout.root, 'user_key');
  await generateKey(file, 'pcm-ops-test');
  const publicKey = await publicKeyLine(file);
  await makeDir(layout.authorizedKeysDir, 0o755);
  // sshd reads authorized keys as the user logging in, so the files must be readable by all
  for (const user of [SUDO_USER, PLAIN_USER]) {
    const authorized = path.join(layout.authorizedKeysDir, user);
    await writeFile(authorized, `${publicKey}\n`);
    await chmod(authorized, 0o644);
  }
  return { privateKey: await readFile(file, 'utf8'), publicKey };
}

// ---------------------------------------------------------------------------------------------
// addresses and ports

/** 127.0.0.2, 127.0.0.3, … (127.0.0.1 stays the clients' and everyone else's). */
function loopbackAddress(index: number): string {
  const n = index + 2;
  return `127.0.${n >> 8}.${n & 255}`;
}

function canListen(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}

/** A port freePort found free on 127.0.0.1 that is free on the host's own address too. */
async function freePortOn(address: string): Promise<number> {
  return waitFor(`a free port on ${address}`, async () => {
    const port = await freePort();
    return (await canListen(address, port)) ? port : undefined;
  });
}

// ---------------------------------------------------------------------------------------------
// sshd processes

/** The first line the server sends: `SSH-2.0-OpenSSH_9.2p1 Debian-…`. */
function readBanner(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    let received = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('no SSH banner within 2 s')));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes('\n')) return;
      socket.destroy();
      resolve(received.slice(0, received.indexOf('\n')).trimEnd());
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('connection closed before the SSH banner')));
  });
}

async function startHost(state: HostState): Promise<void> {
  if (state.proc?.isRunning()) return;
  const proc = await startProcess({
    name: `sshd ${state.host.name}`,
    command: 'unshare',
    args: [
      '--pid',
      '--fork',
      '--mount-proc',
      '--kill-child',
      SSHD,
      '-D',
      '-e',
      '-f',
      configPath(state),
    ],
    logPath: state.host.logPath,
  });
  state.proc = proc;
  const { address, port } = state.host;
  await waitFor(
    `the SSH banner of ${state.host.name} (${address}:${port})`,
    async () => ((await readBanner(address, port)).startsWith('SSH-2.0-') ? true : undefined),
    { timeoutMs: START_TIMEOUT_MS, watch: proc },
  );
}

async function stopHost(state: HostState): Promise<void> {
  if (state.proc) await stopProcess(state.proc);
  state.proc = undefined;
}

/** The PID namespace whose pid 1 is the sshd under this `unshare` (`pid:[…]`). */
async function namespaceOf(proc: ManagedProcess): Promise<string | undefined> {
  return readlink(`/proc/${proc.pid}/ns/pid_for_children`).catch(() => undefined);
}

async function processesIn(namespaces: Set<string>, wrappers: number[]): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ns = await readlink(`/proc/${entry}/ns/pid`).catch(() => '');
    if (namespaces.has(ns)) found.push(Number(entry));
  }
  return [...wrappers, ...found];
}

/** Lines of the bastion's log (DEBUG1) that record a forwarding channel connected to the host. */
function countForwards(log: string, host: SshHost): number {
  // `debug1: channel 3: connected to 127.0.0.5 port 40123`
  const connected = `: connected to ${host.address} port ${host.port}`;
  // sshd ends the lines it logs to stderr with \r\n
  return log
    .split(/\r?\n/)
    .filter((line) => line.startsWith('debug1: channel ') && line.endsWith(connected)).length;
}

// ---------------------------------------------------------------------------------------------
// the fleet

interface Plan {
  plain: HostState[];
  bastion: HostState;
  hidden: HostState[];
  all: HostState[];
}

function hostState(layout: Layout, name: string, index: number): HostState {
  const hostDir = path.join(layout.root, 'hosts', name);
  return {
    host: {
      name,
      address: loopbackAddress(index),
      port: 0,
      hostKey: '',
      fingerprint: '',
      dir: path.join(hostDir, 'scratch'),
      logPath: path.join(hostDir, 'sshd.log'),
    },
    bastion: name === 'bastion',
    hostDir,
  };
}

function planHosts(layout: Layout, options: SshFleetOptions): Plan {
  const plain = Array.from({ length: options.hosts }, (_, i) => `host-${i + 1}`);
  const hidden = Array.from({ length: options.hidden ?? 0 }, (_, i) => `hidden-${i + 1}`);
  const all = [...plain, 'bastion', ...hidden].map((name, index) => hostState(layout, name, index));
  return {
    plain: all.slice(0, plain.length),
    bastion: all[plain.length] as HostState,
    hidden: all.slice(plain.length + 1),
    all,
  };
}

async function prepareHost(state: HostState, layout: Layout): Promise<void> {
  await makeDir(state.hostDir, 0o755);
  // both users' sessions write there, like /tmp
  await makeDir(state.host.dir, 0o1777);
  state.host.port = await freePortOn(state.host.address);
  await newHostKey(state);
  await writeFile(configPath(state), sshdConfig(state, layout));
}

function keepData(): boolean {
  return process.env.PCM_OPS_KEEP_DATA === '1';
}

async function createLayout(): Promise<Layout> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-sshd-'));
  // the users' sshd processes must reach the authorized keys and the scratch dirs below it
  await chmod(root, 0o755);
  await makeDir(path.join(root, 'hosts'), 0o755);
  return { root, authorizedKeysDir: path.join(root, 'authorized_keys') };
}

async function pidsOf(plan: Plan): Promise<number[]> {
  const running = plan.all.flatMap((s) => (s.proc?.isRunning() ? [s.proc] : []));
  const namespaces = await Promise.all(running.map(namespaceOf));
  return processesIn(
    new Set(namespaces.filter((ns) => ns !== undefined)),
    running.map((proc) => proc.pid),
  );
}

function fleetOf(layout: Layout, plan: Plan, userKey: SshFleet['userKey']): SshFleet {
  const stateOf = (host: SshHost): HostState => {
    const state = plan.all.find((s) => s.host === host);
    if (!state) throw new Error(`${host.name} is not a host of this fleet`);
    return state;
  };
  return {
    hosts: plan.plain.map((s) => s.host),
    bastion: plan.bastion.host,
    hidden: plan.hidden.map((s) => s.host),
    users: { sudo: SUDO_USER, plain: PLAIN_USER },
    userKey,
    stop: async (host) => {
      if (host) return stopHost(stateOf(host));
      await Promise.all(plan.all.map(stopHost));
      if (!keepData()) await rm(layout.root, { recursive: true, force: true });
    },
    start: (host) => startHost(stateOf(host)),
    rekey: async (host) => {
      const state = stateOf(host);
      await stopHost(state);
      await newHostKey(state);
      await startHost(state);
    },
    forwardsTo: async (host) =>
      countForwards(await readFile(plan.bastion.host.logPath, 'utf8').catch(() => ''), host),
    pids: () => pidsOf(plan),
  };
}

/**
 * Starts `hosts` plain hosts, a bastion and `hidden` hosts behind it, resolving once every sshd
 * sends its banner. On failure everything started is stopped and the temp dir with the logs kept.
 */
export async function startSshFleet(options: SshFleetOptions): Promise<SshFleet> {
  assertCanRunSshd();
  await prepareMachine();
  const layout = await createLayout();
  const plan = planHosts(layout, options);
  try {
    const userKey = await writeUserKey(layout);
    await Promise.all(plan.all.map((state) => prepareHost(state, layout)));
    await Promise.all(plan.all.map(startHost));
    return fleetOf(layout, plan, userKey);
  } catch (error) {
    await Promise.all(plan.all.map(stopHost));
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`SSH fleet failed to start: ${reason} (logs in ${layout.root}/hosts)`, {
      cause: error,
    });
  }
}
