// Child processes of the local test infrastructure: each runs in its own process group with its
// output in a log file, so a stop takes down everything it forked and a failure can be read after.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logPath: string;
  child: ChildProcess;
  /** resolves with the exit code (or the signal name) once the process has exited */
  exited: Promise<number | string>;
  isRunning(): boolean;
}

const running = new Set<ManagedProcess>();

// If this Node process dies without stopping its children (a crash, SIGKILL, a closed terminal),
// a detached shell notices and takes their process groups down, so no etcd or apiserver lingers.
const REAPER_SCRIPT = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
[ -s "$2" ] || { rm -f "$2"; exit 0; }
for g in $(cat "$2"); do kill -TERM "-$g" 2>/dev/null; done
sleep 5
for g in $(cat "$2"); do kill -KILL "-$g" 2>/dev/null; done
rm -f "$2"`;
let reaperFile: string | undefined;

function recordGroups(): void {
  if (reaperFile === undefined) {
    reaperFile = path.join(os.tmpdir(), `pcm-ops-reaper-${process.pid}.pgids`);
    spawn('sh', ['-c', REAPER_SCRIPT, 'pcm-ops-reaper', String(process.pid), reaperFile], {
      detached: true,
      stdio: 'ignore',
    }).unref();
  }
  writeFileSync(reaperFile, [...running].map((p) => `${p.pid}\n`).join(''));
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startProcess(spec: ProcessSpec): Promise<ManagedProcess> {
  await mkdir(path.dirname(spec.logPath), { recursive: true });
  const log = createWriteStream(spec.logPath, { flags: 'a' });
  await new Promise((resolve) => log.once('open', resolve));
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', log, log],
  });
  if (child.pid === undefined) {
    log.end();
    throw new Error(`${spec.name}: could not start ${spec.command}`);
  }
  let alive = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      alive = false;
      running.delete(managed);
      recordGroups();
      log.end();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const managed: ManagedProcess = {
    name: spec.name,
    pid: child.pid,
    logPath: spec.logPath,
    child,
    exited,
    isRunning: () => alive,
  };
  running.add(managed);
  recordGroups();
  return managed;
}

function signalGroup(proc: ManagedProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopProcess(proc: ManagedProcess, graceMs = 10_000): Promise<void> {
  if (!proc.isRunning()) return;
  signalGroup(proc, 'SIGTERM');
  const outcome = await Promise.race([proc.exited, sleep(graceMs, 'timeout' as const)]);
  if (outcome === 'timeout') {
    signalGroup(proc, 'SIGKILL');
    await proc.exited;
  }
  // children that outlived their leader still belong to the group
  signalGroup(proc, 'SIGKILL');
}

/** Stops the given processes in order (default: every running one, newest first). */
export async function stopAll(procs?: ManagedProcess[]): Promise<void> {
  const order = procs ?? [...running].reverse();
  for (const proc of order) await stopProcess(proc);
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** a process whose exit ends the wait at once, with its log named in the error */
  watch?: ManagedProcess;
}

/** Polls `probe` until it returns a value other than undefined; throws after the timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 100, watch } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (watch && !watch.isRunning()) {
      throw new Error(`${watch.name} exited while waiting for ${what}; see ${watch.logPath}`);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}
