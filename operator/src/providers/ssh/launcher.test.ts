// The SSH provider's host-side texts, run through the real /bin/sh of this machine as a host would
// run them: a run starts once, however often it is sent; it records its outcome; cancel and
// timeouts stop its whole process group.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ALREADY_STARTED,
  CANNOT_RECORD,
  HEAD_BYTES,
  NOT_STAGED,
  TAIL_BYTES,
  TIMED_OUT,
  cancelText,
  launchText,
  parseState,
  skipText,
  stageText,
  startText,
  stateText,
  type LaunchOptions,
  type RunState,
} from './launcher.js';

let root: string;
let scratch: string;

beforeEach(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'pcm-ops-launcher-'));
  root = path.join(scratch, 'runs');
});

afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function sh(
  text: string,
  input = '',
  env: NodeJS.ProcessEnv = process.env,
): { status: number | null; stdout: string } {
  const result = spawnSync('sh', ['-c', text], { input, encoding: 'utf8', timeout: 30_000, env });
  return { status: result.status, stdout: result.stdout };
}

function start(runId: string, script: string, extra: Partial<LaunchOptions> = {}) {
  return sh(startText({ runId, interpreter: 'sh', sudo: false, root, ...extra }), script);
}

function state(runId: string): RunState | undefined {
  return parseState(sh(stateText(runId, root)).stdout);
}

async function finished(runId: string): Promise<RunState> {
  await expect
    .poll(() => state(runId)?.state, { timeout: 20_000, interval: 50 })
    .toMatch(/finished|interrupted/);
  return state(runId)!;
}

describe('the SSH provider on a host', () => {
  it('runs the script detached and records its exit status, stdout and stderr apart', async () => {
    expect(state('run-1')).toEqual({ state: 'absent' });
    const started = start('run-1', 'echo out; echo err >&2; exit 3');
    expect(started).toEqual({ status: 0, stdout: 'started\n' });
    const done = await finished('run-1');
    expect(done).toMatchObject({
      state: 'finished',
      exitStatus: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      stdoutTruncated: false,
    });
    expect(done).toMatchObject({ startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('starts a run once on a host, however often it is sent', async () => {
    const marker = path.join(scratch, 'marker');
    const script = `echo ran >> ${marker}`;
    expect(start('run-2', script).status).toBe(0);
    expect(start('run-2', script).status).toBe(ALREADY_STARTED);
    await finished('run-2');
    expect(start('run-2', script).status).toBe(ALREADY_STARTED);
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
  });

  it('answers while the script runs on, and shows it running', async () => {
    expect(start('run-3', 'sleep 2; echo late').status).toBe(0);
    expect(state('run-3')?.state).toBe('running');
    expect(await finished('run-3')).toMatchObject({ exitStatus: 0, stdout: 'late\n' });
  });

  it('stops a script at its execution timeout', async () => {
    start('run-4', 'sleep 30', { executionTimeoutSeconds: 1 });
    expect(await finished('run-4')).toMatchObject({ state: 'finished', exitStatus: TIMED_OUT });
  });

  it('cancels the whole process group, children included', async () => {
    const pidFile = path.join(scratch, 'child.pid');
    start('run-5', `sleep 60 & echo $! > ${pidFile}; wait`);
    await expect.poll(() => sh(`cat ${pidFile} 2>/dev/null`).stdout.trim()).toMatch(/^\d+$/);
    const child = readFileSync(pidFile, 'utf8').trim();
    expect(sh(cancelText('run-5', { sudo: false, root })).status).toBe(0);
    const done = await finished('run-5');
    expect(done.state === 'finished' && done.exitStatus).toBeGreaterThan(128);
    // gone, or a zombie nobody reaps yet (this machine's pid 1 may not): not running either way
    expect(sh(`ps -o stat= -p ${child}`).stdout.trim()).toMatch(/^(Z.*)?$/);
  });

  it('reports a run whose process vanished without an exit status as interrupted', async () => {
    start('run-6', 'sleep 60');
    await expect.poll(() => state('run-6')?.state).toBe('running');
    // the host goes down under it: the keeper and the script die without a word
    const pid = readFileSync(
      path.join(root, String(process.getuid?.()), 'run-6', 'pid'),
      'utf8',
    ).trim();
    const keeper = readFileSync(
      path.join(root, String(process.getuid?.()), 'run-6', 'keeper'),
      'utf8',
    ).trim();
    sh(`kill -KILL ${keeper}; kill -KILL -${pid}`);
    expect(await finished('run-6')).toMatchObject({ state: 'interrupted' });
    expect(start('run-6', 'true').status).toBe(ALREADY_STARTED);
  });

  it('reports a run whose keeper ended between two looks at it as finished, not interrupted', async () => {
    start('run-6b', 'sleep 60');
    await expect.poll(() => state('run-6b')?.state).toBe('running');
    const dir = path.join(root, String(process.getuid?.()), 'run-6b');
    const keeper = readFileSync(path.join(dir, 'keeper'), 'utf8').trim();
    const pid = readFileSync(path.join(dir, 'pid'), 'utf8').trim();
    sh(`kill -KILL ${keeper}; kill -KILL -${pid}`);
    // a ps that sees both gone, as the keeper writes the exit status and ends just after the
    // state's first look for it
    const bin = path.join(scratch, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'ps'), `#!/bin/sh\necho 0 > '${dir}/exit'\nexit 1\n`, {
      mode: 0o755,
    });
    const read = sh(stateText('run-6b', root), '', {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
    });
    expect(parseState(read.stdout)).toMatchObject({ state: 'finished', exitStatus: 0 });
  });

  it('keeps the head of a long output and says it is cut', async () => {
    start('run-7', `head -c ${HEAD_BYTES + 5000} /dev/zero | tr '\\0' x`);
    const done = await finished('run-7');
    expect(done).toMatchObject({
      stdoutTruncated: true,
      stderrTruncated: false,
      stdoutBytes: HEAD_BYTES + 5000,
      stderrBytes: 0,
      stderrTail: '',
    });
    expect('stdout' in done && done.stdout.length).toBe(HEAD_BYTES);
    // past the head, the end: here the 5,000 bytes the head left, no more
    expect('stdoutTail' in done && done.stdoutTail).toBe('x'.repeat(5000));
  });

  it('keeps the end of a long output apart from its head', async () => {
    start('run-14', `seq 1 20000; echo the end`);
    const done = await finished('run-14');
    if (done.state !== 'finished') throw new Error(`run-14 is ${done.state}`);
    expect(done.stdoutTail.length).toBe(TAIL_BYTES);
    expect(done.stdoutTail.endsWith('19999\n20000\nthe end\n')).toBe(true);
    expect(done.stdout.startsWith('1\n2\n3\n')).toBe(true);
  });

  it('keeps a staged run waiting until it is launched, then runs it once', async () => {
    const marker = path.join(scratch, 'marker');
    const stage = () =>
      sh(
        stageText({ runId: 'run-8', interpreter: 'sh', sudo: false, root }),
        `echo ran >> ${marker}`,
      );
    expect(stage()).toEqual({ status: 0, stdout: 'staged\n' });
    // a send repeated after its answer was lost stages again: still one run, still waiting
    expect(stage().status).toBe(0);
    expect(state('run-8')).toEqual({ state: 'staged', cancelRequested: false });
    const launch = () => sh(launchText('run-8', { sudo: false, root }));
    expect(launch()).toEqual({ status: 0, stdout: 'started\n' });
    expect(launch().status).toBe(ALREADY_STARTED);
    expect(await finished('run-8')).toMatchObject({ state: 'finished', exitStatus: 0 });
    expect(stage().status).toBe(0);
    expect(launch().status).toBe(ALREADY_STARTED);
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
  });

  it('never launches a run that was skipped or cancelled while staged, nor one never staged', () => {
    const marker = path.join(scratch, 'marker');
    for (const runId of ['run-9', 'run-10'])
      sh(stageText({ runId, interpreter: 'sh', sudo: false, root }), `echo ${runId} >> ${marker}`);
    expect(sh(skipText('run-9', 'MaxErrorsReached', root)).status).toBe(0);
    expect(sh(cancelText('run-10', { sudo: false, root })).status).toBe(0);
    expect(state('run-9')).toEqual({
      state: 'skipped',
      reason: 'MaxErrorsReached',
      cancelRequested: false,
    });
    expect(state('run-10')).toEqual({
      state: 'skipped',
      reason: 'Cancelled',
      cancelRequested: true,
    });
    for (const runId of ['run-9', 'run-10'])
      expect(sh(launchText(runId, { sudo: false, root })).status).toBe(ALREADY_STARTED);
    // a skip that comes after the launch changes nothing: the run is the launch's
    start('run-11', 'true');
    expect(sh(skipText('run-11', 'MaxErrorsReached', root)).status).toBe(ALREADY_STARTED);
    expect(sh(launchText('run-12', { sudo: false, root })).status).toBe(NOT_STAGED);
    expect(state('run-12')).toEqual({ state: 'absent' });
    expect(sh(`cat ${marker} 2>/dev/null`).stdout).toBe('');
  });

  it('records a cancel on the host, so any process reads it', async () => {
    start('run-13', 'sleep 60');
    expect(sh(cancelText('run-13', { sudo: false, root })).status).toBe(0);
    expect(await finished('run-13')).toMatchObject({ state: 'finished', cancelRequested: true });
  });

  it('keeps the runs of each login user in a folder of its own, and refuses one another user made', () => {
    start('run-15', 'true');
    const mine = path.join(root, String(process.getuid?.()));
    expect(sh(`stat -c %a ${root}`).stdout.trim()).toBe('1777');
    expect(sh(`stat -c %a ${mine}`).stdout.trim()).toBe('700');
    // a folder for this user that is a link elsewhere (someone else made it): nothing recorded
    const other = path.join(scratch, 'other-root');
    sh(`mkdir -p ${other}/elsewhere && ln -s ${other}/elsewhere ${other}/${process.getuid?.()}`);
    const refused = sh(
      startText({ runId: 'run-16', interpreter: 'sh', sudo: false, root: other }),
      'true',
    );
    expect(refused.status).toBe(CANNOT_RECORD);
    expect(sh(`ls ${other}/elsewhere`).stdout).toBe('');
  });

  it('refuses a run id that is not path-safe', () => {
    expect(() => startText({ runId: '../x', interpreter: 'sh', sudo: false })).toThrow(
      /not path-safe/,
    );
  });
});
