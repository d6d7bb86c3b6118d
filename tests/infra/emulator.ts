// The AWS emulator for integration tests and the demo: moto's server (pinned in
// tests/emulator/requirements.txt) with the project's extension (tests/emulator/pcm_ops_emulator),
// run from a virtualenv cached outside the repository and steered through its /_pcm/ control API.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, startProcess, stopProcess, waitFor, type ManagedProcess } from './processes.js';

const execFileAsync = promisify(execFile);

const EMULATOR_DIR = path.join(import.meta.dirname, '..', 'emulator');
const REQUIREMENTS = path.join(EMULATOR_DIR, 'requirements.txt');
const READY_MARKER = '.pcm-ops-ready';
const START_TIMEOUT_MS = 60_000;
const INSTALL_TIMEOUT_MS = 15 * 60_000;

// ---------------------------------------------------------------------------------------------
// virtualenv

/** `$PCM_OPS_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/pcm-ops` (the same root as the binaries). */
export function cacheRoot(): string {
  const fromEnv = process.env.PCM_OPS_CACHE;
  if (fromEnv) return fromEnv;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'pcm-ops');
}

function venvPython(venvDir: string): string {
  return path.join(venvDir, 'bin', 'python');
}

async function createVenv(venvDir: string, logPath: string): Promise<void> {
  const basePython = process.env.PCM_OPS_PYTHON ?? 'python3';
  await writeFile(logPath, '');
  const run = async (command: string, args: string[]): Promise<void> => {
    try {
      const { stdout, stderr } = await execFileAsync(command, args, {
        timeout: INSTALL_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      });
      await writeFile(logPath, stdout + stderr, { flag: 'a' });
    } catch (error) {
      const detail = error as { stdout?: string; stderr?: string };
      await writeFile(logPath, `${detail.stdout ?? ''}${detail.stderr ?? ''}`, { flag: 'a' });
      throw new Error(`${command} ${args.join(' ')} failed; see ${logPath}`, { cause: error });
    }
  };
  await run(basePython, ['-m', 'venv', venvDir]);
  const pip = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input'];
  await run(venvPython(venvDir), [...pip, '-r', REQUIREMENTS]);
  await writeFile(path.join(venvDir, READY_MARKER), `${new Date().toISOString()}\n`);
}

/**
 * Creates (once) or reuses the emulator's virtualenv at `<cacheRoot>/venv-<hash of
 * requirements.txt>` and returns its python. A new requirements.txt gets a new virtualenv.
 */
export async function ensureEmulatorEnv(): Promise<string> {
  const requirements = await readFile(REQUIREMENTS);
  const hash = createHash('sha256').update(requirements).digest('hex').slice(0, 16);
  const venvDir = path.join(cacheRoot(), `venv-${hash}`);
  if (existsSync(path.join(venvDir, READY_MARKER))) return venvPython(venvDir);

  // Built beside the final path and renamed into place, so a concurrent or interrupted build never
  // leaves a half-installed virtualenv that looks ready. Only `bin/python -m ...` is used, which
  // keeps working after the move (pip's console scripts would not: their shebangs hold the path).
  await mkdir(cacheRoot(), { recursive: true });
  const building = `${venvDir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await createVenv(building, `${venvDir}.install.log`);
  await moveIntoPlace(building, venvDir);
  return venvPython(venvDir);
}

async function moveIntoPlace(building: string, venvDir: string): Promise<void> {
  try {
    await rename(building, venvDir);
    return;
  } catch (error) {
    if (existsSync(path.join(venvDir, READY_MARKER))) {
      // another process finished first: use its virtualenv
      await rm(building, { recursive: true, force: true });
      return;
    }
    if (!existsSync(venvDir)) throw error;
  }
  // a leftover without the ready marker (an older, interrupted layout): replace it
  await rm(venvDir, { recursive: true, force: true });
  await rename(building, venvDir);
}

// ---------------------------------------------------------------------------------------------
// control API

export type PingStatus = 'Online' | 'ConnectionLost' | 'Inactive';

export interface LifecycleTimings {
  /** seconds a new invocation stays Pending */
  pendingSeconds: number;
  /** seconds it then stays InProgress before its outcome */
  runningSeconds: number;
  /** seconds a running invocation shows Cancelling after CancelCommand (0: Cancelled at once) */
  cancelSeconds: number;
}

/** Which invocations a scripted outcome applies to: every criterion given must match. */
export interface OutcomeMatch {
  instanceId?: string;
  /** a substring of the command text (the `commands` parameter joined with newlines) */
  commandContains?: string;
  account?: string;
  region?: string;
}

export interface ScriptedOutcome extends OutcomeMatch {
  /** Undeliverable and Terminated are reported as Status Failed with that StatusDetails */
  status?:
    | 'Success'
    | 'Failed'
    | 'TimedOut'
    | 'Cancelled'
    | 'Undeliverable'
    | 'Terminated'
    | 'InvalidPlatform'
    | 'AccessDenied';
  /**
   * e.g. 'Delivery Timed Out' (TimedOut defaults to 'Execution Timed Out'); status InvalidPlatform
   * and AccessDenied give AWS's Failed with those details
   */
  statusDetails?: string;
  /** the script's exit code; defaults to 0 for Success, 1 for Failed, -1 otherwise */
  responseCode?: number;
  stdout?: string;
  stderr?: string;
  pendingSeconds?: number;
  runningSeconds?: number;
}

export interface CallSelector {
  /** moto's service name: 'ssm', 'ec2', 'sts', 'organizations' */
  service?: string;
  /** the API operation, e.g. 'SendCommand' */
  operation?: string;
  account?: string;
  region?: string;
}

export interface ThrottleSpec extends CallSelector {
  service: string;
  /** fire for the next `count` matching calls ... */
  count?: number;
  /** ... or for this fraction of them (0..1); neither: every matching call */
  rate?: number;
  /** seeds the random choice behind `rate`, for repeatable runs */
  seed?: number;
}

export interface FaultSpec extends ThrottleSpec {
  /** the error code the SDK will see as the exception's name; none: the call is only slowed */
  code?: string;
  message?: string;
  httpStatus?: number;
  /** only calls signed with this access key id, as AWS refuses one bad key among good ones */
  accessKeyId?: string;
  /** carry the call out, then answer with the error: AWS accepted it, its answer was lost (503) */
  lost?: boolean;
  /** answer this many seconds late (past a client's deadline, the answer never arrives) */
  delaySeconds?: number;
}

export interface CallCount extends Required<CallSelector> {
  count: number;
  /** how many of them were answered with an injected fault */
  faulted: number;
}

export interface SentCommand {
  account: string;
  region: string;
  commandId: string;
  requestedAt: string;
  instanceIds: string[];
  documentName: string;
  comment: string;
  /** the `commands` parameter joined with newlines, exactly as received */
  commandText: string;
  /** the whole SendCommand request body as the emulator received it */
  request: Record<string, unknown>;
}

function matchesSelector(row: CallSelector, selector: CallSelector): boolean {
  return (Object.keys(selector) as (keyof CallSelector)[]).every(
    (key) => selector[key] === undefined || selector[key] === row[key],
  );
}

/** Typed access to the emulator's control API (`/_pcm/...`). */
export class EmulatorControl {
  constructor(readonly endpoint: string) {}

  private async call<T>(method: string, route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.endpoint}/_pcm/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`emulator ${method} /_pcm/${route}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async health(): Promise<{ ok: boolean; moto: string }> {
    return this.call('GET', 'health');
  }

  /** Resets moto (every account, region and service) and the extension's state. */
  async reset(): Promise<void> {
    await this.call('POST', 'reset');
  }

  async lifecycle(): Promise<LifecycleTimings> {
    return this.call('GET', 'lifecycle');
  }

  /** Default delays for invocations created from now on. */
  async setLifecycle(timings: Partial<LifecycleTimings>): Promise<LifecycleTimings> {
    return this.call('PUT', 'lifecycle', timings);
  }

  /** Adds an outcome rule; for each new invocation the most recently added matching rule wins. */
  async scriptOutcome(outcome: ScriptedOutcome): Promise<void> {
    await this.call('POST', 'outcomes', outcome);
  }

  async clearOutcomes(): Promise<void> {
    await this.call('DELETE', 'outcomes');
  }

  /** Answers matching calls with the service's own throttling error (SSM ThrottlingException,
   * EC2 RequestLimitExceeded, STS Throttling, Organizations TooManyRequestsException). */
  async throttle(spec: ThrottleSpec): Promise<{ code: string; httpStatus: number }> {
    return this.call('POST', 'throttle', spec);
  }

  /** Answers matching calls with an arbitrary error. */
  async fault(spec: FaultSpec): Promise<{ code: string; httpStatus: number }> {
    return this.call('POST', 'faults', spec);
  }

  /** Removes every throttle and fault. */
  async clearFaults(): Promise<void> {
    await this.call('DELETE', 'faults');
  }

  /** Calls received per service/operation/account/region, optionally narrowed. */
  async callCounts(selector: CallSelector = {}): Promise<CallCount[]> {
    const { calls } = await this.call<{ calls: CallCount[] }>('GET', 'calls');
    return calls.filter((row) => matchesSelector(row, selector));
  }

  /** The number of calls matching the selector. */
  async callCount(selector: CallSelector): Promise<number> {
    const rows = await this.callCounts(selector);
    return rows.reduce((sum, row) => sum + row.count, 0);
  }

  async resetCallCounts(): Promise<void> {
    await this.call('DELETE', 'calls');
  }

  /** Every SendCommand received since the last reset, oldest first. */
  async sentCommands(selector: { account?: string; region?: string } = {}): Promise<SentCommand[]> {
    const { commands } = await this.call<{ commands: SentCommand[] }>('GET', 'sent-commands');
    return commands.filter((command) => matchesSelector(command, selector));
  }

  /** What DescribeInstanceInformation reports for these instances; not Online means undelivered. */
  async setPingStatus(instanceIds: string[], pingStatus: PingStatus): Promise<void> {
    await this.call('POST', 'ping-status', { instanceIds, pingStatus });
  }
}

// ---------------------------------------------------------------------------------------------
// process

export interface Emulator {
  /** http://127.0.0.1:<port>: the endpoint for every AWS SDK client */
  endpoint: string;
  control: EmulatorControl;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** where the server log goes; defaults to a temp dir removed by stop() */
  logDir?: string;
}

function emulatorEnv(): NodeJS.ProcessEnv {
  // MOTO_ACCOUNT_ID would pin every call to one account and defeat the multi-account tests.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYTHONPATH: EMULATOR_DIR,
    PYTHONUNBUFFERED: '1',
    // no __pycache__ inside the repository
    PYTHONDONTWRITEBYTECODE: '1',
  };
  delete env.MOTO_ACCOUNT_ID;
  return env;
}

async function launch(
  python: string,
  logDir: string,
): Promise<{ proc: ManagedProcess; endpoint: string }> {
  const port = await freePort();
  const proc = await startProcess({
    name: 'aws-emulator',
    command: python,
    args: ['-m', 'pcm_ops_emulator', '--host', '127.0.0.1', '--port', String(port)],
    logPath: path.join(logDir, 'aws-emulator.log'),
    env: emulatorEnv(),
    cwd: EMULATOR_DIR,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const control = new EmulatorControl(endpoint);
  try {
    await waitFor(
      'the AWS emulator',
      async () => ((await control.health()).ok ? true : undefined),
      {
        timeoutMs: START_TIMEOUT_MS,
        watch: proc,
      },
    );
  } catch (error) {
    await stopProcess(proc);
    throw error;
  }
  return { proc, endpoint };
}

/** Starts the emulator on a free loopback port and resolves once it answers. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const python = await ensureEmulatorEnv();
  const ownLogDir = options.logDir === undefined;
  const logDir = options.logDir ?? (await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-emulator-')));
  let started: { proc: ManagedProcess; endpoint: string };
  try {
    started = await launch(python, logDir);
  } catch {
    // The free port may have been taken between the probe and the bind: one more try.
    started = await launch(python, logDir);
  }
  const { proc, endpoint } = started;
  return {
    endpoint,
    control: new EmulatorControl(endpoint),
    stop: async () => {
      await stopProcess(proc);
      if (ownLogDir && process.env.PCM_OPS_KEEP_DATA !== '1')
        await rm(logDir, { recursive: true, force: true });
    },
  };
}
