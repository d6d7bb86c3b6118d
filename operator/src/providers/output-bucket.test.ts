import { Readable } from 'node:stream';
import type { HttpRequest } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import {
  bucketFailure,
  joinKey,
  OutputBucket,
  outputBucketFrom,
  targetOutputKeys,
} from './output-bucket.js';

interface Answer {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

/** The S3 client with its own request handler swapped for canned answers, requests kept. */
function bucketAnswering(
  answer: (request: HttpRequest) => Answer,
  settings: { prefix?: string; endpoint?: string } = {},
): { bucket: OutputBucket; requests: HttpRequest[]; calls: string[] } {
  const requests: HttpRequest[] = [];
  const calls: string[] = [];
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      requests.push(request);
      const { status, body = '', headers = {} } = answer(request);
      return {
        response: {
          statusCode: status,
          headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
          body: Readable.from([Buffer.from(body)]),
        },
      };
    },
  };
  const bucket = new OutputBucket(
    {
      bucket: 'ops-output',
      prefix: settings.prefix ?? 'pcm-ops',
      region: 'eu-west-1',
      endpoint: settings.endpoint ?? 'http://store.test:9000',
    },
    {
      observe: (call) => calls.push(`${call.operation}:${call.outcome}`),
      client: {
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
        requestHandler,
        maxAttempts: 1,
      },
    },
  );
  return { bucket, requests, calls };
}

const s3Error = (code: string, status: number): Answer => ({
  status,
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} said</Message></Error>`,
  headers: { 'content-type': 'application/xml' },
});

describe('key layout', () => {
  it.each([
    [['pcm-ops', 'aws'], 'pcm-ops/aws'],
    [['pcm-ops/', '/aws/', 'x'], 'pcm-ops/aws/x'],
    [['', 'ssh', 'uid'], 'ssh/uid'],
    [['a//', '', 'b'], 'a/b'],
  ])('joins %j as %s', (segments, key) => {
    expect(joinKey(...segments)).toBe(key);
  });

  it('puts each provider under its own name, below the prefix', () => {
    const { bucket } = bucketAnswering(() => ({ status: 200 }), { prefix: 'team/ops/' });
    expect(bucket.prefix).toBe('team/ops');
    expect(bucket.providerPrefix('ssh')).toBe('team/ops/ssh');
    const root = bucketAnswering(() => ({ status: 200 }), { prefix: '' }).bucket;
    expect(root.providerPrefix('aws')).toBe('aws');
  });

  it('keys an SSH run by execution, batch and host, the host unable to add a level', () => {
    const { bucket } = bucketAnswering(() => ({ status: 200 }));
    const key = { executionUid: '6c1f4f5e-8d0a', batchIndex: 3 };
    expect(targetOutputKeys(bucket, 'ssh', key, 'web-1.example.com')).toEqual({
      stdout: 'pcm-ops/ssh/6c1f4f5e-8d0a/3/web-1.example.com/stdout',
      stderr: 'pcm-ops/ssh/6c1f4f5e-8d0a/3/web-1.example.com/stderr',
    });
    expect(targetOutputKeys(bucket, 'ssh', key, '../a/b').stdout).toBe(
      'pcm-ops/ssh/6c1f4f5e-8d0a/3/..%2Fa%2Fb/stdout',
    );
  });
});

describe('the bucket from the operator settings', () => {
  it('is there only when PCM_OPS_OUTPUT_BUCKET is set', () => {
    expect(outputBucketFrom(loadConfig({}))).toBeUndefined();
    const bucket = outputBucketFrom(
      loadConfig({ PCM_OPS_OUTPUT_BUCKET: 'ops-output', PCM_OPS_OUTPUT_REGION: 'eu-west-1' }),
    );
    expect(bucket).toMatchObject({ name: 'ops-output', prefix: 'pcm-ops', region: 'eu-west-1' });
    bucket?.close();
  });

  it.each([
    [{ PCM_OPS_OUTPUT_BUCKET: 'x' }, 'PCM_OPS_OUTPUT_BUCKET: must be a bucket name'],
    [{ PCM_OPS_OUTPUT_BUCKET: 'ops', PCM_OPS_OUTPUT_PREFIX: '/abs' }, 'PCM_OPS_OUTPUT_PREFIX'],
    [{ PCM_OPS_OUTPUT_BUCKET: 'ops', PCM_OPS_OUTPUT_REGION: 'Europe' }, 'PCM_OPS_OUTPUT_REGION'],
    [
      { PCM_OPS_OUTPUT_ENDPOINT_URL: 'http://minio:9000' },
      'PCM_OPS_OUTPUT_ENDPOINT_URL: is set without PCM_OPS_OUTPUT_BUCKET',
    ],
  ])('refuses %j, naming %s', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('put and get', () => {
  it('puts text path-style to an S3-compatible endpoint', async () => {
    const { bucket, requests, calls } = bucketAnswering(() => ({ status: 200 }));
    const key = bucket.providerPrefix('ssh') + '/u/0/h/stdout';
    expect(await bucket.put(key, 'héllo\n')).toEqual({ ok: true, value: undefined });
    const [request] = requests;
    expect(request?.method).toBe('PUT');
    expect(request?.hostname).toBe('store.test');
    expect(request?.path).toBe('/ops-output/pcm-ops/ssh/u/0/h/stdout');
    expect(Buffer.from(request?.body as Uint8Array).toString('utf8')).toBe('héllo\n');
    expect(calls).toEqual(['PutObject:success']);
  });

  it('reads an object back whole, and a missing one as undefined', async () => {
    const { bucket } = bucketAnswering((request) =>
      request.path.endsWith('/there') ? { status: 200, body: 'whole' } : s3Error('NoSuchKey', 404),
    );
    expect(await bucket.get('pcm-ops/there')).toEqual({
      ok: true,
      value: { text: 'whole', bytes: 5, truncated: false },
    });
    expect(await bucket.get('pcm-ops/gone')).toEqual({ ok: true, value: undefined });
  });

  it('reads at most the bytes asked for, never half a character', async () => {
    const { bucket } = bucketAnswering(() => ({ status: 200, body: 'abcé'.repeat(10) }));
    const read = await bucket.get('k', 4);
    // 'abc' and the first byte of 'é': the cut character is left out
    expect(read).toEqual({ ok: true, value: { text: 'abc', bytes: 50, truncated: true } });
  });

  it.each([
    ['NoSuchBucket', 404, 'OutputBucketNotFound', false],
    ['AccessDenied', 403, 'OutputBucketAccessDenied', false],
    ['InvalidAccessKeyId', 403, 'OutputBucketCredentialsInvalid', false],
    ['SlowDown', 503, 'OutputBucketThrottled', true],
    ['InternalError', 500, 'OutputBucketUnavailable', true],
  ])('turns %s (%i) into %s, transient %s', async (code, status, reason, transient) => {
    const { bucket, calls } = bucketAnswering(() => s3Error(code, status));
    const read = await bucket.get('pcm-ops/aws/c/i/stdout');
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.failure).toMatchObject({ reason, transient });
    expect(read.failure.message).toContain('s3://ops-output/pcm-ops/aws/c/i/stdout');
    expect(read.failure.message).toContain('PCM_OPS_OUTPUT_BUCKET');
    expect(calls).toEqual([
      `GetObject:${reason === 'OutputBucketThrottled' ? 'throttled' : 'error'}`,
    ]);
  });
});

describe('failures without an answer', () => {
  it.each([
    [{ name: 'TimeoutError', message: 'socket hang up' }, 'OutputBucketUnavailable', true],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'OutputBucketUnavailable', true],
    [
      { name: 'CredentialsProviderError', message: 'no creds' },
      'OutputBucketCredentialsInvalid',
      false,
    ],
    [
      { name: 'Weird', message: 'odd', $metadata: { httpStatusCode: 400 } },
      'OutputBucketError',
      false,
    ],
  ])('%j is %s', (error, reason, transient) => {
    expect(bucketFailure(error, 'GetObject', 's3://b/k')).toMatchObject({ reason, transient });
  });
});
