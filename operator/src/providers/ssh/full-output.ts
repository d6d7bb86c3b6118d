/**
 * Full output of SSH runs in the output bucket. A host keeps the whole stdout and stderr of a run
 * in its run directory; the state the provider polls carries only their heads. When a run ends
 * with a stream longer than that and the operator has an output bucket, the provider copies the
 * run's files from the host to the bucket (output-bucket.ts `targetOutputKeys`) before it reports
 * the run ended, and marks the copy done on the host, so any process knows it is there. A copy
 * that fails is tried again at each poll for SAVE_GRACE_MS after the run ended; past that the run
 * is reported ended anyway, its full output on the host only: the bucket never fails a run.
 *
 * Reading full output back prefers the bucket for a stream the head cut, then the host's head.
 */
import type { BatchKey, FullOutput, InvocationView } from '../../domain/provider.js';
import { targetOutputKeys, type OutputBucket, type OutputStream } from '../output-bucket.js';
import type { RunState } from './launcher.js';

/** How long after a run ended its copy to the bucket may hold up the report that it ended. */
export const SAVE_GRACE_MS = 120_000;
/** The most of one stream copied from a host to the bucket. */
export const FULL_OUTPUT_MAX_BYTES = 32 * 1024 * 1024;

/** A run claimed to run (the only kind that has output). */
type Ended = Extract<RunState, { state: 'running' | 'finished' | 'interrupted' }>;

/** A run that ended with output the head cut, not yet copied to the bucket. */
export function needsSaving(state: RunState | undefined): state is Ended {
  if (state?.state !== 'finished' && state?.state !== 'interrupted') return false;
  return !state.saved && (state.stdoutTruncated || state.stderrTruncated);
}

/** What a host whose copy failed reports while the grace lasts; undefined past it. */
export function stillSaving(
  host: string,
  state: Ended,
  now: Date,
  failure: string,
): InvocationView | undefined {
  const ended = Date.parse(state.finishedAt ?? '');
  if (!Number.isFinite(ended) || now.getTime() - ended >= SAVE_GRACE_MS) return undefined;
  return {
    instanceId: host,
    status: 'InProgress',
    statusDetails: `SavingOutput: ${failure}`.slice(0, 64),
  };
}

/** The bucket keys of one host's run. */
export function keysOf(
  bucket: OutputBucket,
  key: BatchKey,
  host: string,
): Record<OutputStream, string> {
  return targetOutputKeys(bucket, 'ssh', key, host);
}

/**
 * The full output of a run: each stream the head cut is read from the bucket when the copy is
 * there, else the head is what there is, with a note saying why.
 */
export async function fullOutput(
  inline: FullOutput,
  read: { bucket: OutputBucket | undefined; key: BatchKey; host: string },
): Promise<FullOutput> {
  const output: FullOutput = { ...inline, stdoutSource: 'inline', stderrSource: 'inline' };
  const cut = (['stdout', 'stderr'] as const).filter((s) => output[`${s}Truncated`]);
  if (cut.length === 0) return output;
  if (!read.bucket)
    return { ...output, sourceNote: 'no output bucket is configured: the host keeps the head' };
  const keys = keysOf(read.bucket, read.key, read.host);
  const notes: string[] = [];
  let result = output;
  for (const stream of cut) {
    const stored = await read.bucket.get(keys[stream]);
    if (!stored.ok) notes.push(`${stream}: the output bucket failed: ${stored.failure.message}`);
    else if (!stored.value) notes.push(`${stream}: not in the output bucket (yet)`);
    else result = withStream(result, stream, stored.value);
  }
  return notes.length ? { ...result, sourceNote: notes.join('; ') } : result;
}

function withStream(
  output: FullOutput,
  stream: OutputStream,
  stored: { text: string; truncated: boolean },
): FullOutput {
  // the whole stream from the bucket: the host's tail says nothing more
  const { stdoutTail, stderrTail, ...rest } = output;
  return stream === 'stdout'
    ? {
        ...rest,
        ...(stderrTail ? { stderrTail } : {}),
        stdout: stored.text,
        stdoutTruncated: stored.truncated,
        stdoutSource: 'bucket',
      }
    : {
        ...rest,
        ...(stdoutTail ? { stdoutTail } : {}),
        stderr: stored.text,
        stderrTruncated: stored.truncated,
        stderrSource: 'bucket',
      };
}
