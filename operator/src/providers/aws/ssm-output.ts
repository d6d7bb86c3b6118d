/**
 * SSM's full output, from the output bucket. When SendCommand names a bucket, the agent on each
 * instance writes a plugin's whole stdout and stderr there once the invocation ends, at
 *   <OutputS3KeyPrefix>/<commandId>/<instanceId>/<plugin>/0.<plugin>/stdout (and stderr)
 * where <plugin> is the plugin's name without its colon: awsrunShellScript for AWS-RunShellScript,
 * awsrunPowerShellScript for AWS-RunPowerShellScript (0 is the index of the documents' only step).
 * GetCommandInvocation keeps 24,000 characters of stdout and 8,000 of stderr: only a stream cut
 * there is read from the bucket, and a stream the bucket has no copy of is shown from the inline
 * part, with a note saying why.
 */
import type {
  GetCommandInvocationCommandOutput,
  SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import { isTerminalInvocation, SSM_DOCUMENT } from '@pcm-ops/crds';
import type { FullOutput } from '../../domain/provider.js';
import { joinKey, type OutputBucket, type OutputStream } from '../output-bucket.js';

const PLUGIN_OF_DOCUMENT: Record<string, string> = {
  [SSM_DOCUMENT.bash]: 'aws:runShellScript',
  [SSM_DOCUMENT.powershell]: 'aws:runPowerShellScript',
};
const INLINE_LIMITS = 'SSM keeps the first 24,000 characters of stdout and 8,000 of stderr';
const STREAMS: OutputStream[] = ['stdout', 'stderr'];

type OutputLocation = Pick<
  SendCommandCommandInput,
  'OutputS3BucketName' | 'OutputS3KeyPrefix' | 'OutputS3Region'
>;

/** The key prefix SSM is given: the AWS provider's part of the bucket. */
export function ssmKeyPrefix(bucket: OutputBucket): string {
  return bucket.providerPrefix('aws');
}

/** SendCommand's output fields for the bucket (none without one). */
export function outputLocation(bucket: OutputBucket | undefined): OutputLocation {
  if (!bucket) return {};
  return {
    OutputS3BucketName: bucket.name,
    OutputS3KeyPrefix: ssmKeyPrefix(bucket),
    ...(bucket.region ? { OutputS3Region: bucket.region } : {}),
  };
}

/** Where the agent writes one invocation's output, for the plugin that ran (`aws:runShellScript`). */
export function ssmOutputKeys(
  keyPrefix: string,
  commandId: string,
  instanceId: string,
  pluginName: string,
): Record<OutputStream, string> {
  const plugin = pluginName.replace(/:/g, '');
  const base = joinKey(keyPrefix, commandId, instanceId, plugin, `0.${plugin}`);
  return { stdout: `${base}/stdout`, stderr: `${base}/stderr` };
}

function pluginOf(answer: GetCommandInvocationCommandOutput): string {
  return answer.PluginName || PLUGIN_OF_DOCUMENT[answer.DocumentName ?? ''] || 'aws:runShellScript';
}

function invocationKeys(
  bucket: OutputBucket,
  answer: GetCommandInvocationCommandOutput,
): Record<OutputStream, string> {
  const { CommandId = '', InstanceId = '' } = answer;
  return ssmOutputKeys(ssmKeyPrefix(bucket), CommandId, InstanceId, pluginOf(answer));
}

function truncatedStreams(output: FullOutput): OutputStream[] {
  return STREAMS.filter((stream) =>
    stream === 'stdout' ? output.stdoutTruncated : output.stderrTruncated,
  );
}

/** Why no truncated stream can come from the bucket, if none can. */
function nothingToRead(
  output: FullOutput,
  answer: GetCommandInvocationCommandOutput,
  bucket: OutputBucket | undefined,
): string | undefined {
  if (!bucket) return 'no output bucket is configured (PCM_OPS_OUTPUT_BUCKET)';
  if (!isTerminalInvocation(output.status))
    return 'the invocation has not ended; SSM writes the whole output to the bucket once it has';
  // SSM leaves both URLs empty for a command sent without a bucket.
  if (!answer.StandardOutputUrl && !answer.StandardErrorUrl)
    return 'the command was sent without an output bucket';
  return undefined;
}

function fromBucket(
  output: FullOutput,
  stream: OutputStream,
  text: string,
  cut: boolean,
): FullOutput {
  return stream === 'stdout'
    ? { ...output, stdout: text, stdoutTruncated: cut, stdoutSource: 'bucket' }
    : { ...output, stderr: text, stderrTruncated: cut, stderrSource: 'bucket' };
}

/** One cut stream from the bucket: the output with its copy, or a note saying why not. */
async function readStream(
  bucket: OutputBucket,
  key: string,
  stream: OutputStream,
  output: FullOutput,
): Promise<{ output: FullOutput; note?: string; fellBack: boolean }> {
  const read = await bucket.get(key);
  if (!read.ok) return { output, note: `${stream}: ${read.failure.message}`, fellBack: true };
  const copy = read.value;
  if (!copy)
    return { output, note: `${stream}: the bucket holds no ${bucket.url(key)}`, fellBack: true };
  const note = copy.truncated
    ? `${stream}: the bucket's copy is ${copy.bytes} bytes; its head is shown`
    : undefined;
  return { output: fromBucket(output, stream, copy.text, copy.truncated), note, fellBack: false };
}

/**
 * The inline output, with each stream SSM cut replaced by the bucket's copy where there is one.
 * A bucket that cannot be read is no failure of the call: the inline part is still worth showing.
 */
export async function withBucketCopy(
  inline: FullOutput,
  answer: GetCommandInvocationCommandOutput,
  bucket: OutputBucket | undefined,
): Promise<FullOutput> {
  let output: FullOutput = { ...inline, stdoutSource: 'inline', stderrSource: 'inline' };
  const wanted = truncatedStreams(inline);
  if (wanted.length === 0) return output;
  const skipped = nothingToRead(inline, answer, bucket);
  if (skipped || !bucket) return { ...output, sourceNote: `${skipped}; ${INLINE_LIMITS}` };
  const keys = invocationKeys(bucket, answer);
  const notes: string[] = [];
  let fellBack = false;
  for (const stream of wanted) {
    const read = await readStream(bucket, keys[stream], stream, output);
    output = read.output;
    fellBack ||= read.fellBack;
    if (read.note) notes.push(read.note);
  }
  if (fellBack) notes.push(INLINE_LIMITS);
  return notes.length ? { ...output, sourceNote: notes.join('; ') } : output;
}
