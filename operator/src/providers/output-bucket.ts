/**
 * The output bucket: one S3 (or S3-compatible) bucket where full script output goes when a
 * provider keeps only a head of it inline (SSM keeps 24,000 characters of stdout and 8,000 of
 * stderr; an SSH host keeps what its run directory holds). The operator reads and writes it with
 * its own AWS identity (the SDK's default chain: IRSA, Pod Identity, environment), never with a
 * CloudCredential's. Every provider gets it as `context.outputBucket` (providers/context.ts)
 * when `PCM_OPS_OUTPUT_BUCKET` is set, and calls only `put` and `get`.
 *
 * Key layout. Each provider writes under `<prefix>/<provider name>/` (`providerPrefix`), so one
 * bucket serves them all and a lifecycle rule can expire each apart:
 *
 *   AWS (SSM writes these itself, from the instance, when SendCommand names the bucket with
 *   OutputS3KeyPrefix `<prefix>/aws`; aws/ssm-output.ts reads them back):
 *     <prefix>/aws/<commandId>/<instanceId>/awsrunShellScript/0.awsrunShellScript/stdout|stderr
 *     <prefix>/aws/<commandId>/<instanceId>/awsrunPowerShellScript/0.awsrunPowerShellScript/stdout|stderr
 *
 *   SSH (the operator copies a finished run's files from the host; `targetOutputKeys`):
 *     <prefix>/ssh/<executionUid>/<batchIndex>/<host>/stdout|stderr
 *
 * A run is keyed by what makes it unique and stable across restarts (the execution uid and batch
 * index the engine sends it under, the target), so writing it again writes the same bytes to the
 * same key: `put` is safe to repeat, and the SDK retries it.
 */
import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { OperatorConfig } from '../config.js';
import { fail, ok, type BatchKey, type Result } from '../domain/provider.js';

export type OutputStream = 'stdout' | 'stderr';

/** Most of one object `get` reads back: the full-output route answers it in one JSON body. */
export const DEFAULT_MAX_READ_BYTES = 8 * 1024 * 1024;
/** Where S3 requests go when no region is set; S3 redirects to the bucket's own region. */
const DEFAULT_REGION = 'us-east-1';

export interface OutputBucketSettings {
  bucket: string;
  /** Key prefix every key starts with ('' for the bucket's root). */
  prefix: string;
  region?: string;
  /** An S3-compatible store's endpoint: requests are then path-style (`<endpoint>/<bucket>/<key>`). */
  endpoint?: string;
}

export interface OutputBucketOptions {
  /** Counts each call, as the AWS provider's calls are counted (service `s3`). */
  observe?: (call: { service: string; operation: string; outcome: string }) => void;
  /** Overrides of the S3 client's configuration (credentials, retries, a request handler). */
  client?: Partial<S3ClientConfig>;
}

/** What `get` read back: the text (up to the byte limit) and how large the object is. */
export interface StoredText {
  text: string;
  /** The object's size in bytes. */
  bytes: number;
  /** The object is larger than the limit read: `text` is its head. */
  truncated: boolean;
}

/** Key segments joined with '/', empty ones and the slashes around each dropped. */
export function joinKey(...segments: string[]): string {
  return segments
    .map((segment) => segment.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}

/** The bucket from the operator's settings, or undefined when none is configured. */
export function outputBucketFrom(
  config: OperatorConfig,
  options: OutputBucketOptions = {},
): OutputBucket | undefined {
  if (!config.PCM_OPS_OUTPUT_BUCKET) return undefined;
  const endpoint = config.PCM_OPS_OUTPUT_ENDPOINT_URL ?? config.PCM_OPS_AWS_ENDPOINT_URL;
  return new OutputBucket(
    {
      bucket: config.PCM_OPS_OUTPUT_BUCKET,
      prefix: config.PCM_OPS_OUTPUT_PREFIX,
      ...(config.PCM_OPS_OUTPUT_REGION ? { region: config.PCM_OPS_OUTPUT_REGION } : {}),
      ...(endpoint ? { endpoint } : {}),
    },
    options,
  );
}

export class OutputBucket {
  readonly name: string;
  readonly prefix: string;
  /** The region set for the bucket, if one was. */
  readonly region: string | undefined;
  private readonly client: S3Client;

  constructor(
    settings: OutputBucketSettings,
    private readonly options: OutputBucketOptions = {},
  ) {
    this.name = settings.bucket;
    this.prefix = joinKey(settings.prefix);
    this.region = settings.region;
    const compatible = settings.endpoint !== undefined;
    this.client = new S3Client({
      region: settings.region ?? DEFAULT_REGION,
      followRegionRedirects: settings.region === undefined,
      retryMode: 'adaptive',
      maxAttempts: 4,
      ...(compatible
        ? {
            endpoint: settings.endpoint,
            forcePathStyle: true,
            // S3-compatible stores differ in the checksums they take: send only those S3 requires.
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {}),
      ...options.client,
    });
  }

  /** Where a provider's keys live: `<prefix>/<provider>`. */
  providerPrefix(provider: string): string {
    return joinKey(this.prefix, provider);
  }

  /** `s3://<bucket>/<key>`, for messages. */
  url(key: string): string {
    return `s3://${this.name}/${key}`;
  }

  /** Writes one object; writing the same key again replaces it, so a retry is harmless. */
  async put(key: string, body: string | Uint8Array): Promise<Result<void>> {
    const command = new PutObjectCommand({
      Bucket: this.name,
      Key: key,
      Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
      ContentType: 'text/plain; charset=utf-8',
    });
    return this.call('PutObject', key, async () => {
      await this.client.send(command);
      return ok(undefined);
    });
  }

  /** Reads one object as UTF-8 text, at most `maxBytes` of it; undefined when there is none. */
  async get(
    key: string,
    maxBytes = DEFAULT_MAX_READ_BYTES,
  ): Promise<Result<StoredText | undefined>> {
    return this.call('GetObject', key, async () => {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
      const head = await readHead(answer.Body as AsyncIterable<Uint8Array> | undefined, maxBytes);
      const bytes = answer.ContentLength ?? head.bytes;
      return ok({ text: head.text, bytes, truncated: head.truncated || bytes > maxBytes });
    });
  }

  /** Lets go of the client's sockets (at shutdown). */
  close(): void {
    this.client.destroy();
  }

  private async call<T>(
    operation: string,
    key: string,
    work: () => Promise<Result<T>>,
  ): Promise<Result<T | undefined>> {
    try {
      const result = await work();
      this.options.observe?.({ service: 's3', operation, outcome: 'success' });
      return result;
    } catch (error) {
      const absent = operation === 'GetObject' && isNoSuchKey(error);
      const failure = absent ? undefined : bucketFailure(error, operation, this.url(key));
      const outcome = failure?.reason === THROTTLED ? 'throttled' : 'error';
      this.options.observe?.({ service: 's3', operation, outcome: absent ? 'success' : outcome });
      if (!failure) return ok(undefined);
      return fail(failure.reason, failure.message, failure.transient);
    }
  }
}

/**
 * The keys of one target's output for a provider whose operator copies it into the bucket (SSH):
 * `<prefix>/<provider>/<executionUid>/<batchIndex>/<target>/<stream>`. The target (a host name,
 * an address) is percent-encoded so no character of it can add a level to the key.
 */
export function targetOutputKeys(
  bucket: OutputBucket,
  provider: string,
  key: BatchKey,
  target: string,
): Record<OutputStream, string> {
  const base = joinKey(
    bucket.providerPrefix(provider),
    key.executionUid,
    String(key.batchIndex),
    encodeURIComponent(target),
  );
  return { stdout: `${base}/stdout`, stderr: `${base}/stderr` };
}

// ---------------------------------------------------------------------------------------------
// reading

async function readHead(
  body: AsyncIterable<Uint8Array> | undefined,
  maxBytes: number,
): Promise<{ text: string; bytes: number; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let truncated = false;
  for await (const chunk of body ?? []) {
    const room = maxBytes - bytes;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    bytes += Math.min(chunk.length, room);
    if (chunk.length > room) {
      truncated = true;
      break; // leaving the loop destroys the stream: the rest is never downloaded
    }
  }
  // A cut may fall inside a character: `stream` keeps its first bytes back instead of guessing.
  const text = new TextDecoder('utf-8').decode(Buffer.concat(chunks), { stream: truncated });
  return { text, bytes, truncated };
}

// ---------------------------------------------------------------------------------------------
// errors

interface BucketFailure {
  reason: string;
  message: string;
  transient: boolean;
}

const THROTTLED = 'OutputBucketThrottled';

interface S3ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeout',
]);
const DENIED = new Set(['AccessDenied', 'AllAccessDisabled', 'AccountProblem']);
const CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
]);

function codeOf(error: S3ErrorLike): string {
  return error.name && error.name !== 'Error' ? error.name : (error.code ?? 'UnknownError');
}

function isNoSuchKey(error: unknown): boolean {
  const e = (error ?? {}) as S3ErrorLike;
  const code = codeOf(e);
  return code === 'NoSuchKey' || (code === 'NotFound' && e.$metadata?.httpStatusCode === 404);
}

function isUnanswered(code: string, error: S3ErrorLike): boolean {
  const status = error.$metadata?.httpStatusCode;
  return (
    NETWORK.has(code) || NETWORK.has(error.code ?? '') || status === undefined || status >= 500
  );
}

/** The first rule that matches names the failure; the order matters (a 403 may be bad keys). */
const RULES: {
  reason: string;
  what: string;
  transient: boolean;
  matches: (code: string, error: S3ErrorLike) => boolean;
}[] = [
  {
    reason: THROTTLED,
    what: 'was throttled',
    transient: true,
    matches: (code, e) => THROTTLING.has(code) || e.$retryable?.throttling === true,
  },
  {
    reason: 'OutputBucketCredentialsInvalid',
    what: "was refused the operator's own credentials",
    transient: false,
    matches: (code) => CREDENTIALS.has(code),
  },
  {
    reason: 'OutputBucketNotFound',
    what: 'failed: no such bucket',
    transient: false,
    matches: (code) => code === 'NoSuchBucket',
  },
  {
    reason: 'OutputBucketAccessDenied',
    what: "was denied to the operator's own identity",
    transient: false,
    matches: (code, e) => DENIED.has(code) || e.$metadata?.httpStatusCode === 403,
  },
  {
    reason: 'OutputBucketUnavailable',
    what: 'got no answer',
    transient: true,
    matches: isUnanswered,
  },
];

/** Why a call to the output bucket failed, naming the object and the setting to fix. */
export function bucketFailure(error: unknown, operation: string, where: string): BucketFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as S3ErrorLike;
  const code = codeOf(e);
  const rule = RULES.find((r) => r.matches(code, e));
  const detail = `${code}: ${(e.message ?? String(error)).slice(0, 512)}`;
  return {
    reason: rule?.reason ?? 'OutputBucketError',
    message: `S3 ${operation} of ${where} (the output bucket, PCM_OPS_OUTPUT_BUCKET) ${rule?.what ?? 'failed'}: ${detail}`,
    transient: rule?.transient ?? false,
  };
}
