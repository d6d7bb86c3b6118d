import { Readable } from 'node:stream';
import type { GetCommandInvocationCommandOutput } from '@aws-sdk/client-ssm';
import type { HttpRequest } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import type { FullOutput } from '../../domain/provider.js';
import { OutputBucket } from '../output-bucket.js';
import { outputLocation, ssmOutputKeys, withBucketCopy } from './ssm-output.js';

const COMMAND = '1231bb3b-fe26-48ea-94fe-d1727example';
const INSTANCE = 'i-02573cafcfexample';

/** A bucket whose objects are `objects`, answered through the S3 client's own request handler. */
function bucketHolding(objects: Record<string, string>): {
  bucket: OutputBucket;
  paths: string[];
} {
  const paths: string[] = [];
  const handle = async (request: HttpRequest) => {
    paths.push(request.path);
    const body = objects[request.path.replace(/^\/ops-output\//, '')];
    const missing = '<Error><Code>NoSuchKey</Code><Message>none</Message></Error>';
    return {
      response: {
        statusCode: body === undefined ? 404 : 200,
        headers: { 'content-length': String(Buffer.byteLength(body ?? missing)) },
        body: Readable.from([Buffer.from(body ?? missing)]),
      },
    };
  };
  const bucket = new OutputBucket(
    { bucket: 'ops-output', prefix: 'pcm-ops', endpoint: 'http://store.test' },
    {
      client: {
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
        requestHandler: { handle },
        maxAttempts: 1,
      },
    },
  );
  return { bucket, paths };
}

function inline(fields: Partial<FullOutput> = {}): FullOutput {
  return {
    stdout: 'o'.repeat(24_000),
    stderr: 'short',
    stdoutTruncated: true,
    stderrTruncated: false,
    exitCode: 0,
    status: 'Success',
    ...fields,
  };
}

const sentWithBucket: GetCommandInvocationCommandOutput = {
  $metadata: {},
  CommandId: COMMAND,
  InstanceId: INSTANCE,
  DocumentName: 'AWS-RunShellScript',
  PluginName: 'aws:runShellScript',
  StandardOutputUrl: `https://s3.us-east-1.amazonaws.com/ops-output/pcm-ops/aws/${COMMAND}/${INSTANCE}/awsrunShellScript/0.awsrunShellScript/stdout`,
};

describe('where SSM writes output', () => {
  it.each([
    ['aws:runShellScript', 'awsrunShellScript/0.awsrunShellScript'],
    ['aws:runPowerShellScript', 'awsrunPowerShellScript/0.awsrunPowerShellScript'],
  ])('%s writes under %s', (plugin, tail) => {
    expect(ssmOutputKeys('pcm-ops/aws', COMMAND, INSTANCE, plugin)).toEqual({
      stdout: `pcm-ops/aws/${COMMAND}/${INSTANCE}/${tail}/stdout`,
      stderr: `pcm-ops/aws/${COMMAND}/${INSTANCE}/${tail}/stderr`,
    });
  });

  it('is told by SendCommand, under the AWS provider’s part of the bucket', () => {
    const { bucket } = bucketHolding({});
    expect(outputLocation(bucket)).toEqual({
      OutputS3BucketName: 'ops-output',
      OutputS3KeyPrefix: 'pcm-ops/aws',
    });
    expect(outputLocation(undefined)).toEqual({});
  });
});

describe('full output', () => {
  const stdoutKey = ssmOutputKeys('pcm-ops/aws', COMMAND, INSTANCE, 'aws:runShellScript').stdout;

  it('replaces a stream SSM cut with the bucket’s copy, and reads no other', async () => {
    const whole = `${'o'.repeat(30_000)}END`;
    const { bucket, paths } = bucketHolding({ [stdoutKey]: whole });
    const full = await withBucketCopy(inline(), sentWithBucket, bucket);
    expect(full).toEqual({
      ...inline(),
      stdout: whole,
      stdoutTruncated: false,
      stdoutSource: 'bucket',
      stderrSource: 'inline',
    });
    expect(paths).toEqual([`/ops-output/${stdoutKey}`]);
  });

  it('shows the inline part of a stream the bucket has no copy of, and says so', async () => {
    const { bucket } = bucketHolding({});
    const full = await withBucketCopy(inline(), sentWithBucket, bucket);
    expect(full).toMatchObject({ stdoutTruncated: true, stdoutSource: 'inline' });
    expect(full.stdout).toHaveLength(24_000);
    expect(full.sourceNote).toContain(`the bucket holds no s3://ops-output/${stdoutKey}`);
  });

  it.each([
    [
      'nothing was cut',
      inline({ stdout: 'all', stdoutTruncated: false }),
      sentWithBucket,
      undefined,
    ],
    [
      'the command was sent without a bucket',
      inline(),
      { ...sentWithBucket, StandardOutputUrl: '' },
      'the command was sent without an output bucket',
    ],
    [
      'the invocation still runs',
      inline({ status: 'InProgress' }),
      sentWithBucket,
      'the invocation has not ended',
    ],
  ])('asks the bucket nothing when %s', async (_, output, answer, note) => {
    const { bucket, paths } = bucketHolding({ [stdoutKey]: 'whole' });
    const full = await withBucketCopy(output, answer, bucket);
    expect(paths).toEqual([]);
    expect(full).toMatchObject({ stdout: output.stdout, stdoutSource: 'inline' });
    if (note) expect(full.sourceNote).toContain(note);
    else expect(full.sourceNote).toBeUndefined();
  });

  it('names the missing setting when no bucket is configured', async () => {
    const full = await withBucketCopy(inline(), sentWithBucket, undefined);
    expect(full.sourceNote).toContain('no output bucket is configured (PCM_OPS_OUTPUT_BUCKET)');
    expect(full.stdoutTruncated).toBe(true);
  });
});
