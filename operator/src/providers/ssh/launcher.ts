/**
 * What the SSH provider runs on a host, as shell text for `sh -c`: the host itself keeps the
 * record of each run, so a run reaches a host at most once whatever happens to the operator.
 *
 * - stage: the run's directory gets the script (from stdin) and its keeper, each written whole
 *   (a temporary file renamed); staging again changes nothing, so a send may be repeated.
 * - launch: the one atomic step that decides a run on this host is a symbolic link, `claim`,
 *   created once: pointing at `run` it starts the script, at `skip:<reason>` it records that the
 *   run never starts here (maxErrors reached, cancelled). Whoever comes second, and whenever,
 *   finds the claim and does nothing (exit 75). The script runs in its own process group,
 *   detached from the connection (stdin from /dev/null, stdout and stderr to files), under
 *   `timeout` when the execution has a limit and under `sudo -n` when asked; its exit status goes
 *   to a file written last. The launch answers at once.
 * - start: stage and launch in one connection.
 * - state: what the directory says: absent (never staged here), staged (waiting for a launch),
 *   skipped with its reason, running, finished with its exit status, or interrupted (claimed to
 *   run and gone without an exit status: the host rebooted, someone killed it, the connection
 *   dropped mid-launch); the head of stdout and stderr, base64-encoded, and their sizes.
 * - cancel: a staged run is claimed as skipped; a running one gets SIGTERM to its process group,
 *   SIGKILL after a grace period. Either way the request is recorded on the host.
 *
 * Pure: the texts are tested by running them through a real shell (launcher.test.ts).
 */
import { shellQuote } from '../../domain/render.js';

/** Where runs are recorded on a host, unless the credential says otherwise. */
export const RUN_ROOT = '/var/tmp/pcm-ops';
/** The start's exit status when the run had already started on the host. */
export const ALREADY_STARTED = 75;
/** The start's exit status when the host could not record the run (disk full, no permission). */
export const CANNOT_RECORD = 70;
/** The launch's exit status when the run was never staged on the host. */
export const NOT_STAGED = 71;
/** The run's exit status when `sudo -n` refused (a password would be needed). */
export const SUDO_REFUSED = 126;
/** `timeout`'s exit status when the limit was reached. */
export const TIMED_OUT = 124;
/** Bytes of stdout and stderr the state carries from their start. */
export const HEAD_BYTES = 24_000;
/** Bytes it carries from their end, past the head. */
export const TAIL_BYTES = 8_000;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface LaunchOptions {
  runId: string;
  interpreter: 'bash' | 'sh';
  sudo: boolean;
  executionTimeoutSeconds?: number;
  root?: string;
}

/**
 * The line that sets `$d` to the run's directory: `<root>/<uid>/<run id>`. Each login user has a
 * folder of its own under the shared root, so credentials with different users on one host each
 * keep their records (the root is world-writable and sticky, as /tmp is; see stageLines).
 */
function dirLine(runId: string, root = RUN_ROOT): string {
  if (!RUN_ID.test(runId)) throw new Error(`run id ${JSON.stringify(runId)} is not path-safe`);
  return `d=${shellQuote(root)}/"$(id -u)"/${runId}`;
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
function keeperText(options: LaunchOptions): string {
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

function stageLines(options: LaunchOptions): string[] {
  const root = shellQuote(options.root ?? RUN_ROOT);
  return [
    'umask 077',
    // the shared root as /tmp is, and in it a folder the login user owns and nobody else can
    // have made for it (a symbolic link or someone else's folder is refused)
    `[ -d ${root} ] || { mkdir -p ${root} && chmod 1777 ${root}; } 2>/dev/null`,
    `u=${root}/"$(id -u)"`,
    `mkdir -p "$u" 2>/dev/null; [ -d "$u" ] && [ ! -L "$u" ] && [ -O "$u" ] || { cat > /dev/null; echo "cannot keep runs in $u: it must be a folder of the login user's own, in a root as /tmp is (world-writable, sticky)" >&2; exit ${CANNOT_RECORD}; }`,
    dirLine(options.runId, options.root),
    `mkdir -p "$d" 2>/dev/null || { cat > /dev/null; exit ${CANNOT_RECORD}; }`,
    // staged before (maybe by a send whose answer was lost): the copy there is the one that runs
    `if [ -f "$d/script" ] || [ -L "$d/claim" ]; then cat > /dev/null; else cat > "$d/script.part" && mv "$d/script.part" "$d/script" || exit ${CANNOT_RECORD}; fi`,
    `[ -f "$d/keeper.sh" ] || { printf '%s\n' ${shellQuote(keeperText(options))} > "$d/keeper.part" && mv "$d/keeper.part" "$d/keeper.sh"; } || exit ${CANNOT_RECORD}`,
  ];
}

function launchLines(options: { sudo: boolean }): string[] {
  const sudoCheck = options.sudo
    ? `sudo -n true 2>/dev/null || { echo 'sudo -n refused: the login user may not run this as root without a password' > "$d/stderr"; date -u +%Y-%m-%dT%H:%M:%SZ > "$d/finished"; echo ${SUDO_REFUSED} > "$d/exit"; echo started; exit 0; }`
    : ':';
  return [
    // a launch once begun completes: a dropped connection (the operator killed) does not cut it
    // between the claim and the keeper's start
    "trap '' HUP PIPE",
    `[ -f "$d/script" ] && [ -f "$d/keeper.sh" ] || exit ${NOT_STAGED}`,
    `ln -s run "$d/claim" 2>/dev/null || exit ${ALREADY_STARTED}`,
    'date -u +%Y-%m-%dT%H:%M:%SZ > "$d/started"',
    sudoCheck,
    'setsid sh "$d/keeper.sh" "$d" < /dev/null > /dev/null 2>&1 &',
    // the keeper writes its pid first: wait for it, so a state read at once sees the run
    'for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$d/keeper" ] && break; sleep 0.1; done',
    'echo started',
  ];
}

/** Keeps the script from stdin and its keeper on the host, without starting it. */
export function stageText(options: LaunchOptions): string {
  return [...stageLines(options), 'echo staged'].join('\n');
}

/** Starts a staged run, once: answers at once, ALREADY_STARTED when it was claimed before. */
export function launchText(runId: string, options: { sudo: boolean; root?: string }): string {
  return [dirLine(runId, options.root), ...launchLines(options)].join('\n');
}

/** Stages and starts a run in one go (see the header). */
export function startText(options: LaunchOptions): string {
  return [...stageLines(options), ...launchLines(options)].join('\n');
}

/** Makes sure a staged run never starts here, for `reason` (a CamelCase word). */
export function skipText(runId: string, reason: string, root?: string): string {
  if (!/^[A-Za-z]{1,64}$/.test(reason)) throw new Error(`skip reason ${reason} is not one word`);
  return [
    dirLine(runId, root),
    '[ -d "$d" ] || exit 0',
    `ln -s skip:${reason} "$d/claim" 2>/dev/null || exit ${ALREADY_STARTED}`,
    'exit 0',
  ].join('\n');
}

/** Prints the run's state as key=value lines (see parseState). */
export function stateText(runId: string, root?: string): string {
  // the head, the size, and past the head the tail (never overlapping the head)
  const head = (file: string): string =>
    [
      `printf '%s=' ${file}; head -c ${HEAD_BYTES} "$d/${file}" 2>/dev/null | base64 | tr -d '\\n'; echo`,
      `s=$(wc -c < "$d/${file}" 2>/dev/null || echo 0); echo "${file}_size=$s"`,
      `printf '%s_tail=' ${file}; if [ "$s" -gt ${HEAD_BYTES} ]; then n=$((s - ${HEAD_BYTES})); [ "$n" -gt ${TAIL_BYTES} ] && n=${TAIL_BYTES}; tail -c "$n" "$d/${file}" | base64 | tr -d '\\n'; fi; echo`,
    ].join('\n');
  return [
    dirLine(runId, root),
    '[ -d "$d" ] || { echo state=absent; exit 0; }',
    '[ -f "$d/cancel" ] && echo cancel=1',
    '[ -f "$d/saved" ] && echo saved=1',
    '[ -L "$d/claim" ] || [ -f "$d/started" ] || { echo state=staged; exit 0; }',
    'c=$(readlink "$d/claim" 2>/dev/null)',
    'case "$c" in skip:*) echo state=skipped; echo "reason=${c#skip:}"; exit 0;; esac',
    // running while the keeper lives (it writes the exit status once the script ends) or the
    // script does. Alive: ps knows the process and it is no zombie (kill -0 would pass a zombie,
    // and fail on a process sudo runs as root).
    'alive() { s=$(ps -o stat= -p "$(cat "$1" 2>/dev/null)" 2>/dev/null) && [ -n "$s" ] && [ "${s#Z}" = "$s" ]; }',
    'if [ -f "$d/exit" ]; then echo state=finished; echo "exit=$(cat "$d/exit")";',
    'elif alive "$d/keeper" || alive "$d/pid"; then echo state=running;',
    // the keeper may have written the exit status and ended between the two looks: only a run
    // found gone with no exit status after it was seen gone was interrupted
    'elif [ -f "$d/exit" ]; then echo state=finished; echo "exit=$(cat "$d/exit")";',
    'else echo state=interrupted; fi',
    'echo "started=$(cat "$d/started" 2>/dev/null)"',
    'echo "finished=$(cat "$d/finished" 2>/dev/null)"',
    head('stdout'),
    head('stderr'),
  ].join('\n');
}

/** Prints up to `maxBytes` of one of the run's streams, base64-encoded. */
export function streamText(
  runId: string,
  stream: 'stdout' | 'stderr',
  maxBytes: number,
  root?: string,
): string {
  return [
    dirLine(runId, root),
    `head -c ${Math.max(0, Math.floor(maxBytes))} "$d/${stream}" 2>/dev/null | base64 | tr -d '\\n'`,
  ].join('\n');
}

/** Records on the host that the run's full output is in the output bucket. */
export function savedText(runId: string, root?: string): string {
  return [dirLine(runId, root), '[ -d "$d" ] && : > "$d/saved"', 'exit 0'].join('\n');
}

/** Keeps a staged run from starting, or stops a running one's process group: TERM, then KILL. */
export function cancelText(runId: string, options: { sudo: boolean; root?: string }): string {
  // dash's kill takes `-TERM -<pgid>` (no `--`); sudo runs procps' kill, which wants `--`
  const kill = (signal: string): string =>
    options.sudo ? `sudo -n kill -s ${signal} -- "-$p"` : `kill -${signal} "-$p"`;
  return [
    dirLine(runId, options.root),
    '[ -d "$d" ] || exit 0',
    ': > "$d/cancel"',
    'ln -s skip:Cancelled "$d/claim" 2>/dev/null && exit 0',
    // claimed to run: wait for the keeper to record the process group, briefly
    'for i in 1 2 3 4 5 6 7 8 9 10; do [ -f "$d/pid" ] && break; sleep 0.1; done',
    '[ -f "$d/pid" ] || exit 0',
    '[ -f "$d/exit" ] && exit 0',
    'p=$(cat "$d/pid")',
    `${kill('TERM')} 2>/dev/null`,
    'for i in 1 2 3 4 5 6 7 8 9 10; do [ -f "$d/exit" ] && exit 0; sleep 1; done',
    `${kill('KILL')} 2>/dev/null`,
    'exit 0',
  ].join('\n');
}

type Claimed = Extract<RunState, { state: 'running' | 'finished' | 'interrupted' }>;

export type RunState =
  | { state: 'absent' }
  | { state: 'staged'; cancelRequested: boolean }
  | { state: 'skipped'; reason: string; cancelRequested: boolean }
  | {
      state: 'running' | 'finished' | 'interrupted';
      /** A cancel reached the host (recorded there, so any process sees it). */
      cancelRequested: boolean;
      /** The full output was copied to the output bucket (recorded on the host). */
      saved: boolean;
      exitStatus?: number;
      startedAt?: string;
      finishedAt?: string;
      stdout: string;
      stderr: string;
      stdoutTruncated: boolean;
      stderrTruncated: boolean;
      /** The end of a stream longer than the head, not overlapping it ('' when none). */
      stdoutTail: string;
      stderrTail: string;
      /** The streams' sizes in bytes on the host. */
      stdoutBytes: number;
      stderrBytes: number;
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
  const cancelRequested = map.get('cancel') === '1';
  if (state === 'staged') return { state, cancelRequested };
  if (state === 'skipped') return { state, reason: map.get('reason') ?? '', cancelRequested };
  if (state !== 'running' && state !== 'finished' && state !== 'interrupted') return undefined;
  return { state, cancelRequested, saved: map.get('saved') === '1', ...claimed(map) };
}

function claimed(map: Map<string, string>): Omit<Claimed, 'state' | 'cancelRequested' | 'saved'> {
  const exit = map.get('exit');
  const size = (key: string): number => Number(map.get(key) ?? 0);
  return {
    ...(exit !== undefined && /^\d+$/.test(exit) ? { exitStatus: Number(exit) } : {}),
    ...(map.get('started') ? { startedAt: map.get('started') } : {}),
    ...(map.get('finished') ? { finishedAt: map.get('finished') } : {}),
    stdout: decoded(map.get('stdout')),
    stderr: decoded(map.get('stderr')),
    stdoutTruncated: size('stdout_size') > HEAD_BYTES,
    stderrTruncated: size('stderr_size') > HEAD_BYTES,
    stdoutTail: decoded(map.get('stdout_tail')),
    stderrTail: decoded(map.get('stderr_tail')),
    stdoutBytes: size('stdout_size'),
    stderrBytes: size('stderr_size'),
  };
}
