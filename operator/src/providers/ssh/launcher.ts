/**
 * What the SSH provider runs on a host, as shell text for `sh -c`: the host itself keeps the
 * record of each run, so a run reaches a host at most once whatever happens to the operator.
 *
 * - start: `mkdir` of the run's directory is the one atomic step that claims the run on this host;
 *   a second start of the same run finds it and refuses (exit 75), whoever sent it and whenever.
 *   The script arrives on stdin and is kept in the directory; it runs in its own process group,
 *   detached from the connection (stdin from /dev/null, stdout and stderr to files), under
 *   `timeout` when the execution has a limit and under `sudo -n` when asked; its exit status goes
 *   to a file written last. The start answers at once.
 * - state: what the directory says: absent (never started here), running, finished with its exit
 *   status, or interrupted (the process is gone without an exit status: the host rebooted, someone
 *   killed it); the head of stdout and stderr, base64-encoded, and their sizes.
 * - cancel: SIGTERM to the run's process group, SIGKILL after a grace period.
 *
 * Pure: the texts are tested by running them through a real shell (launcher.test.ts).
 */
import { shellQuote } from '../../domain/render.js';

/** Where runs are recorded on a host, unless the credential says otherwise. */
export const RUN_ROOT = '/var/tmp/pcm-ops/runs';
/** The start's exit status when the run had already started on the host. */
export const ALREADY_STARTED = 75;
/** The start's exit status when the host could not record the run (disk full, no permission). */
export const CANNOT_RECORD = 70;
/** The run's exit status when `sudo -n` refused (a password would be needed). */
export const SUDO_REFUSED = 126;
/** `timeout`'s exit status when the limit was reached. */
export const TIMED_OUT = 124;
/** Characters of stdout and stderr the state carries. */
export const HEAD_BYTES = 24_000;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface LaunchOptions {
  runId: string;
  interpreter: 'bash' | 'sh';
  sudo: boolean;
  executionTimeoutSeconds?: number;
  root?: string;
}

function runDir(runId: string, root = RUN_ROOT): string {
  if (!RUN_ID.test(runId)) throw new Error(`run id ${JSON.stringify(runId)} is not path-safe`);
  return `${root}/${runId}`;
}

/** The command that runs the script file `"$d/script"`. */
function runCommand(options: LaunchOptions): string {
  const limit = options.executionTimeoutSeconds;
  const timeout = limit === undefined ? '' : `timeout -k 10 ${Math.max(1, Math.floor(limit))} `;
  const sudo = options.sudo ? 'sudo -n ' : '';
  return `${sudo}${timeout}${options.interpreter} "$d/script"`;
}

/**
 * The run's keeper, detached from the connection: `$1` is the run's directory. The script gets a
 * session and process group of its own (setsid, in a child that is no group leader, so it does
 * not fork again and its pid is the group's id): cancel signals that group, every process the
 * script started, and the keeper, outside it, records the exit status.
 */
function runText(options: LaunchOptions): string {
  return [
    'd="$1"',
    'echo $$ > "$d/keeper"',
    `setsid ${runCommand(options)} < /dev/null > "$d/stdout" 2> "$d/stderr" &`,
    'echo $! > "$d/pid"',
    'wait $!',
    'echo $? > "$d/exit.part"',
    'date -u +%Y-%m-%dT%H:%M:%SZ > "$d/finished"',
    'mv "$d/exit.part" "$d/exit"',
  ].join('\n');
}

/** Starts a run: claims it, keeps the script from stdin, starts it detached, answers at once. */
export function startText(options: LaunchOptions): string {
  const root = options.root ?? RUN_ROOT;
  const dir = runDir(options.runId, root);
  const sudoCheck = options.sudo
    ? `sudo -n true 2>/dev/null || { cat > /dev/null; echo 'sudo -n refused: the login user may not run this as root without a password' > "$d/stderr"; echo ${SUDO_REFUSED} > "$d/exit"; echo started; exit 0; }`
    : ':';
  return [
    'umask 077',
    `d=${shellQuote(dir)}`,
    `mkdir -p ${shellQuote(root)} 2>/dev/null`,
    `mkdir "$d" 2>/dev/null || { cat > /dev/null; [ -d "$d" ] && exit ${ALREADY_STARTED}; exit ${CANNOT_RECORD}; }`,
    `cat > "$d/script" || exit ${CANNOT_RECORD}`,
    `date -u +%Y-%m-%dT%H:%M:%SZ > "$d/started"`,
    sudoCheck,
    `setsid sh -c ${shellQuote(runText(options))} pcm-ops-run "$d" < /dev/null > /dev/null 2>&1 &`,
    // the keeper writes its pid first: wait for it, so a state read at once sees the run
    'for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$d/keeper" ] && break; sleep 0.1; done',
    'echo started',
  ].join('\n');
}

/** Prints the run's state as key=value lines (see parseState). */
export function stateText(runId: string, root?: string): string {
  const dir = runDir(runId, root);
  const head = (file: string): string =>
    `printf '%s=' ${file}; head -c ${HEAD_BYTES} "$d/${file}" 2>/dev/null | base64 | tr -d '\\n'; echo; printf '%s_size=' ${file}; wc -c < "$d/${file}" 2>/dev/null || echo 0`;
  return [
    `d=${shellQuote(dir)}`,
    '[ -d "$d" ] || { echo state=absent; exit 0; }',
    // running while the keeper lives (it writes the exit status once the script ends) or the
    // script does. Alive: ps knows the process and it is no zombie (kill -0 would pass a zombie,
    // and fail on a process sudo runs as root).
    'alive() { s=$(ps -o stat= -p "$(cat "$1" 2>/dev/null)" 2>/dev/null) && [ -n "$s" ] && [ "${s#Z}" = "$s" ]; }',
    'if [ -f "$d/exit" ]; then echo state=finished; echo "exit=$(cat "$d/exit")";',
    'elif alive "$d/keeper" || alive "$d/pid"; then echo state=running;',
    'else echo state=interrupted; fi',
    'echo "started=$(cat "$d/started" 2>/dev/null)"',
    'echo "finished=$(cat "$d/finished" 2>/dev/null)"',
    head('stdout'),
    head('stderr'),
  ].join('\n');
}

/** Stops the run's process group: TERM, then KILL after `graceSeconds`. */
export function cancelText(runId: string, options: { sudo: boolean; root?: string }): string {
  const dir = runDir(runId, options.root);
  // dash's kill takes `-TERM -<pgid>` (no `--`); sudo runs procps' kill, which wants `--`
  const kill = (signal: string): string =>
    options.sudo ? `sudo -n kill -s ${signal} -- "-$p"` : `kill -${signal} "-$p"`;
  return [
    `d=${shellQuote(dir)}`,
    '[ -f "$d/pid" ] || exit 0',
    '[ -f "$d/exit" ] && exit 0',
    'p=$(cat "$d/pid")',
    `${kill('TERM')} 2>/dev/null`,
    'for i in 1 2 3 4 5 6 7 8 9 10; do [ -f "$d/exit" ] && exit 0; sleep 1; done',
    `${kill('KILL')} 2>/dev/null`,
    'exit 0',
  ].join('\n');
}

export type RunState =
  | { state: 'absent' }
  | {
      state: 'running' | 'finished' | 'interrupted';
      exitStatus?: number;
      startedAt?: string;
      finishedAt?: string;
      stdout: string;
      stderr: string;
      stdoutTruncated: boolean;
      stderrTruncated: boolean;
    };

function fields(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) map.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return map;
}

function decoded(value: string | undefined): string {
  return Buffer.from(value ?? '', 'base64').toString('utf8');
}

/** The state a host printed for `stateText`; undefined when the text is not one. */
export function parseState(text: string): RunState | undefined {
  const map = fields(text);
  const state = map.get('state');
  if (state === 'absent') return { state };
  if (state !== 'running' && state !== 'finished' && state !== 'interrupted') return undefined;
  const exit = map.get('exit');
  const size = (key: string): number => Number(map.get(key) ?? 0);
  return {
    state,
    ...(exit !== undefined && /^\d+$/.test(exit) ? { exitStatus: Number(exit) } : {}),
    ...(map.get('started') ? { startedAt: map.get('started') } : {}),
    ...(map.get('finished') ? { finishedAt: map.get('finished') } : {}),
    stdout: decoded(map.get('stdout')),
    stderr: decoded(map.get('stderr')),
    stdoutTruncated: size('stdout_size') > HEAD_BYTES,
    stderrTruncated: size('stderr_size') > HEAD_BYTES,
  };
}
