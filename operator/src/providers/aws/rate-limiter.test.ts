import { describe, expect, it } from 'vitest';
import {
  AWS_RATE_LIMITS,
  RateLimiter,
  refilled,
  reserve,
  type Clock,
  type RateLimitKey,
} from './rate-limiter.js';

/** A clock that moves only when something sleeps on it, recording each sleep. */
function manualClock(): Clock & { sleeps: number[]; advance(ms: number): void } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
}

const key = (operation: string, account = '111111111111', region = 'us-east-1'): RateLimitKey => ({
  account,
  region,
  operation,
});

describe('token bucket math', () => {
  const limit = { perSecond: 10, burst: 20 };

  it.each([
    // tokens, elapsed ms, tokens after
    [0, 0, 0],
    [0, 100, 1],
    [5, 1000, 15],
    [15, 10_000, 20],
    [-3, 500, 2],
  ])('%d tokens refilled for %d ms hold %d', (tokens, elapsed, expected) => {
    expect(refilled({ tokens, updatedAt: 0 }, limit, elapsed).tokens).toBeCloseTo(expected);
  });

  it.each([
    // tokens before, wait ms
    [20, 0],
    [1, 0],
    [0.5, 50],
    [0, 100],
    [-2, 300],
  ])('reserving with %d tokens waits %d ms', (tokens, waitMs) => {
    const result = reserve({ tokens, updatedAt: 0 }, limit);
    expect(result.waitMs).toBeCloseTo(waitMs);
    expect(result.bucket.tokens).toBeCloseTo(tokens - 1);
  });
});

describe('RateLimiter', () => {
  it.each(Object.entries(AWS_RATE_LIMITS))(
    '%s: the burst goes at once, then one call per 1/rate seconds',
    async (operation, limit) => {
      const clock = manualClock();
      const limiter = new RateLimiter({ clock });
      for (let i = 0; i < limit.burst; i++) await limiter.take(key(operation));
      expect(clock.sleeps).toEqual([]);
      await limiter.take(key(operation));
      await limiter.take(key(operation));
      expect(clock.sleeps[0]).toBeCloseTo(1000 / limit.perSecond);
      expect(clock.sleeps[1]).toBeCloseTo(2000 / limit.perSecond);
    },
  );

  it('keeps a bucket per account, region and operation', () => {
    const limiter = new RateLimiter({ clock: manualClock() });
    for (let i = 0; i < 10; i++) limiter.reserve(key('SendCommand'));
    expect(limiter.reserve(key('SendCommand'))).toBeGreaterThan(0);
    expect(limiter.reserve(key('SendCommand', '222222222222'))).toBe(0);
    expect(limiter.reserve(key('SendCommand', '111111111111', 'eu-west-1'))).toBe(0);
    expect(limiter.reserve(key('ListCommandInvocations'))).toBe(0);
  });

  it('refills with time, up to the burst', () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ clock });
    for (let i = 0; i < 10; i++) limiter.reserve(key('SendCommand'));
    clock.advance(200);
    expect(limiter.reserve(key('SendCommand'))).toBe(0);
    expect(limiter.reserve(key('SendCommand'))).toBeCloseTo(200);
    clock.advance(60_000);
    for (let i = 0; i < 10; i++) expect(limiter.reserve(key('SendCommand'))).toBe(0);
    expect(limiter.reserve(key('SendCommand'))).toBeCloseTo(200);
  });

  it('uses the fallback for operations without a limit', () => {
    const limiter = new RateLimiter({
      clock: manualClock(),
      fallback: { perSecond: 1, burst: 1 },
    });
    expect(limiter.reserve(key('ListTagsForResource'))).toBe(0);
    expect(limiter.reserve(key('ListTagsForResource'))).toBeCloseTo(1000);
  });

  it('forgets full buckets once it holds more than maxBuckets', () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ clock, maxBuckets: 3 });
    for (const account of ['1', '2', '3']) limiter.reserve(key('SendCommand', account));
    clock.advance(1000);
    limiter.reserve(key('SendCommand', '4'));
    expect(limiter.size).toBe(1);
  });

  it('serves concurrent callers with real timers in order', async () => {
    const limiter = new RateLimiter({ limits: { Op: { perSecond: 50, burst: 1 } } });
    const order: number[] = [];
    const started = Date.now();
    await Promise.all([0, 1, 2].map((i) => limiter.take(key('Op')).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });
});
