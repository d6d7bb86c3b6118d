/**
 * Client-side rate limits per account, region and AWS operation: a token bucket for each. AWS
 * throttles per account and region, so one busy account never slows another; the SDK's adaptive
 * retries remain the second line when AWS throttles anyway.
 */

export interface RateLimit {
  /** tokens added per second */
  perSecond: number;
  /** the most tokens a bucket holds: calls that may go at once after a quiet spell */
  burst: number;
}

export interface RateLimitKey {
  account: string;
  region: string;
  /** the AWS operation, e.g. SendCommand */
  operation: string;
}

/** Time as the limiter sees it; tests pass one that moves only when told. */
export interface Clock {
  /** milliseconds */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Below what AWS throttles at. SSM publishes no rates for Run Command; EC2's describe calls refill
 * at about 20/s with a burst of 100.
 */
export const AWS_RATE_LIMITS: Readonly<Record<string, RateLimit>> = {
  SendCommand: { perSecond: 5, burst: 10 },
  ListCommandInvocations: { perSecond: 10, burst: 20 },
  ListCommands: { perSecond: 5, burst: 10 },
  CancelCommand: { perSecond: 5, burst: 10 },
  GetCommandInvocation: { perSecond: 10, burst: 20 },
  DescribeInstanceInformation: { perSecond: 10, burst: 20 },
  DescribeInstances: { perSecond: 20, burst: 100 },
};

const FALLBACK: RateLimit = { perSecond: 5, burst: 10 };

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface Bucket {
  /** may go below zero: calls already promised a token that has not been added yet */
  tokens: number;
  updatedAt: number;
}

/** The bucket at `now`: refilled for the time since its last update, never above the burst. */
export function refilled(bucket: Bucket, limit: RateLimit, now: number): Bucket {
  const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
  return {
    tokens: Math.min(limit.burst, bucket.tokens + elapsed * limit.perSecond),
    updatedAt: now,
  };
}

/** Takes one token and says how long (ms) to wait until it exists. */
export function reserve(bucket: Bucket, limit: RateLimit): { bucket: Bucket; waitMs: number } {
  const tokens = bucket.tokens - 1;
  const waitMs = tokens >= 0 ? 0 : (-tokens / limit.perSecond) * 1000;
  return { bucket: { ...bucket, tokens }, waitMs };
}

export interface RateLimiterOptions {
  limits?: Readonly<Record<string, RateLimit>>;
  /** for operations without a limit of their own */
  fallback?: RateLimit;
  clock?: Clock;
  /** buckets kept before full (and so forgettable) ones are dropped */
  maxBuckets?: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly limits: Readonly<Record<string, RateLimit>>;
  private readonly fallback: RateLimit;
  private readonly clock: Clock;
  private readonly maxBuckets: number;

  constructor(options: RateLimiterOptions = {}) {
    this.limits = options.limits ?? AWS_RATE_LIMITS;
    this.fallback = options.fallback ?? FALLBACK;
    this.clock = options.clock ?? systemClock;
    this.maxBuckets = options.maxBuckets ?? 10_000;
  }

  /** Resolves when a call under `key` may go. Callers are served in the order they asked. */
  async take(key: RateLimitKey): Promise<void> {
    const waitMs = this.reserve(key);
    if (waitMs > 0) await this.clock.sleep(waitMs);
  }

  /** Reserves a token now and returns how long to wait for it (ms). */
  reserve(key: RateLimitKey): number {
    const limit = this.limitOf(key.operation);
    const id = `${key.account}/${key.region}/${key.operation}`;
    const now = this.clock.now();
    const current = this.buckets.get(id) ?? { tokens: limit.burst, updatedAt: now };
    const { bucket, waitMs } = reserve(refilled(current, limit, now), limit);
    this.buckets.set(id, bucket);
    if (this.buckets.size > this.maxBuckets) this.forgetFull(now);
    return waitMs;
  }

  limitOf(operation: string): RateLimit {
    return this.limits[operation] ?? this.fallback;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** A full bucket is the same as a new one, so it can go. */
  private forgetFull(now: number): void {
    for (const [id, bucket] of this.buckets) {
      const limit = this.limitOf(id.slice(id.lastIndexOf('/') + 1));
      if (refilled(bucket, limit, now).tokens >= limit.burst) this.buckets.delete(id);
    }
  }
}
