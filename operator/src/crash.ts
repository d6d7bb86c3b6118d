/**
 * Deliberate crash points for the crash-safety tests: with PCM_OPS_CRASH_AT=after-send:3 the
 * process kills itself with SIGKILL the third time it passes `after-send`. Unset in production,
 * where this is a no-op. An execution that can go ahead is planned and marked Running in one write,
 * so it passes `after-plan` and `after-start` at the same moment.
 */
const spec = process.env.PCM_OPS_CRASH_AT ?? '';
const [point, nth] = spec.split(':');
const target = Number(nth ?? '1');
let passes = 0;

export type CrashPoint =
  | 'after-plan'
  | 'after-start'
  | 'after-sending-mark'
  | 'after-send'
  | 'after-sent-write'
  | 'after-observe'
  | 'after-cancel';

export function crashPoint(name: CrashPoint): void {
  if (!point || name !== point) return;
  passes++;
  if (passes === target) process.kill(process.pid, 'SIGKILL');
}
