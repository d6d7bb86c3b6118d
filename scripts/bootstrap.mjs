// Makes a fresh clone ready to test, benchmark or demo, then runs the command it is given on the
// Node.js the images ship:
//
//   node scripts/bootstrap.mjs [--node=<version>] [command args...]
//
// - npm dependencies: `npm ci` when node_modules does not hold what package-lock.json names (read
//   from npm's own record of the install, node_modules/.package-lock.json, so a plain `npm ci`
//   counts as installed);
// - the runtime: the Node.js of package.json's devEngines.runtime. When the machine's Node is
//   another major version, the npm registry's `node-<platform>-<arch>` package of that exact
//   version is unpacked into the cache (npm checks its integrity), and the command runs on it.
//   `--node=<version>` names another exact version (the unit suite's run on the oldest supported
//   major, for one);
// - Debian's chromium for the browser tests, when it is missing and apt-get can install it;
// - Debian's openssh-server and sudo for the SSH fleet, likewise (without starting a system sshd).
//
// The control plane binaries and the emulators' virtualenvs are built on first use by tests/infra,
// in the same cache (PCM_OPS_CACHE, else $XDG_CACHE_HOME/pcm-ops, else ~/.cache/pcm-ops).
// This file runs on whatever Node the machine has (20 or later): plain JavaScript, no dependency.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..');
const log = (line) => console.error(`[bootstrap] ${line}`);

/** True when node_modules holds exactly the packages package-lock.json names, at its versions. */
export function installed(lock, hidden) {
  if (!hidden) return false;
  const wanted = lock.packages ?? {};
  const present = hidden.packages ?? {};
  for (const [where, entry] of Object.entries(present)) {
    const meant = wanted[where];
    if (!meant || meant.version !== entry.version || meant.integrity !== entry.integrity)
      return false;
  }
  // What the lockfile names and npm did not install must be a package for another platform.
  return Object.entries(wanted).every(
    ([where, entry]) => where === '' || where in present || entry.optional === true,
  );
}

function readJson(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

function ensureDependencies() {
  const lock = readJson(path.join(root, 'package-lock.json'));
  const hidden = readJson(path.join(root, 'node_modules', '.package-lock.json'));
  if (installed(lock, hidden)) return;
  log('installing npm dependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

function cacheRoot() {
  if (process.env.PCM_OPS_CACHE) return process.env.PCM_OPS_CACHE;
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pcm-ops');
}

/** The folder holding the `node` of that exact version, fetched when the machine's is another major. */
export function ensureRuntime(version) {
  const major = version.split('.')[0];
  if (process.versions.node.split('.')[0] === major) return path.dirname(process.execPath);
  const dir = path.join(cacheRoot(), 'node', `v${version}-${process.platform}-${process.arch}`);
  const bin = path.join(dir, 'bin');
  if (existsSync(path.join(bin, 'node'))) return bin;
  const pkg = `node-${process.platform}-${process.arch}@${version}`;
  log(`Node.js ${process.versions.node} is not ${major}: fetching ${pkg} from the npm registry`);
  mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  try {
    const out = execFileSync('npm', ['pack', pkg, '--pack-destination', tmp, '--silent'], {
      encoding: 'utf8',
    });
    const tarball = path.join(tmp, out.trim().split('\n').pop());
    const unpacked = path.join(tmp, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
    const got = execFileSync(path.join(unpacked, 'bin', 'node'), ['--version'], {
      encoding: 'utf8',
    }).trim();
    if (got !== `v${version}`) throw new Error(`${pkg} holds Node.js ${got}, not v${version}`);
    renameSync(unpacked, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

function ensureChromium() {
  const CHROMIUM = '/usr/bin/chromium';
  if (existsSync(CHROMIUM)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!isRoot || !apt) {
    log(`${CHROMIUM} is missing: install Debian's chromium for the browser tests`);
    return;
  }
  log('installing chromium for the browser tests (apt-get)');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/**
 * Debian's OpenSSH server and sudo for the SSH fleet of the integration tests (tests/infra/sshd.ts
 * runs its own sshd processes on loopback). The package's maintainer scripts would start a system
 * sshd on port 22 through invoke-rc.d; a policy-rc.d that exits 101 forbids that during the install.
 */
function ensureSshServer() {
  if (existsSync('/usr/sbin/sshd') && existsSync('/usr/bin/sudo')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!isRoot || !apt) {
    log(
      '/usr/sbin/sshd or /usr/bin/sudo is missing: install openssh-server and sudo for the SSH tests',
    );
    return;
  }
  const POLICY = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(POLICY);
  const listens22 = () =>
    (spawnSync('ss', ['-ltnH', 'sport = :22'], { encoding: 'utf8' }).stdout ?? '').trim() !== '';
  const listenedBefore = listens22();
  log('installing openssh-server and sudo for the SSH tests (apt-get)');
  if (ownPolicy) writeFileSync(POLICY, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync(
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', 'openssh-server', 'sudo'],
      { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
    );
  } finally {
    if (ownPolicy) rmSync(POLICY, { force: true });
  }
  if (listenedBefore || !listens22()) return;
  // The install started a system sshd after all: ours to stop, through its pid file.
  const pidFile = '/run/sshd.pid';
  if (!existsSync(pidFile)) {
    log('the openssh-server install started a system sshd on :22 without /run/sshd.pid: stop it');
    return;
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  log(`the openssh-server install started a system sshd on :22 (pid ${pid}): stopped it`);
}

/** Runs the command with the runtime and the workspace's binaries first on PATH. */
function run(bin, [command, ...args]) {
  const PATH = [bin, path.join(root, 'node_modules', '.bin'), process.env.PATH].join(
    path.delimiter,
  );
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, PATH } });
  // A terminal's Ctrl-C reaches the whole process group, the command included: only wait for it.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}

if (import.meta.filename === process.argv[1]) {
  let command = process.argv.slice(2);
  let version = readJson(path.join(root, 'package.json')).devEngines.runtime.version;
  if (command[0]?.startsWith('--node=')) {
    version = command[0].slice('--node='.length);
    command = command.slice(1);
  }
  ensureDependencies();
  const bin = ensureRuntime(version);
  ensureChromium();
  ensureSshServer();
  if (command.length > 0) run(bin, command);
}
