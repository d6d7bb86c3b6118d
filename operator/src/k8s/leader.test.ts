import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaderElector, mayAcquire, type LeaseClient } from './leader.js';

const observedAt = 1_000_000;
const held = (holder: string | undefined) => ({
  holder,
  renewTime: '2026-01-01T00:00:00.000000Z',
  leaseDurationSeconds: 15,
  observedAt,
});

describe('mayAcquire', () => {
  it.each([
    ['no lease yet', undefined, 'a', observedAt, true],
    ['a released lease', held(undefined), 'a', observedAt, true],
    ['our own lease', held('a'), 'a', observedAt + 60_000, true],
    ['another holder, renewed just now', held('b'), 'a', observedAt + 1_000, false],
    ['another holder, at the edge of its duration', held('b'), 'a', observedAt + 15_000, false],
    [
      'another holder, not renewed for longer than its duration',
      held('b'),
      'a',
      observedAt + 15_001,
      true,
    ],
  ] as const)('%s → %s', (...[, observation, identity, now, expected]) => {
    expect(mayAcquire(observation, identity, now)).toBe(expected);
  });
});

describe('LeaderElector', () => {
  const options = {
    namespace: 'ops',
    name: 'pcm-ops-operator',
    identity: 'me',
    leaseDurationSeconds: 3,
    renewDeadlineSeconds: 2,
    retryPeriodSeconds: 0.5,
  };
  const log = pino({ level: 'silent' });
  const clock = {
    now: () => Date.now(),
    sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)),
  };

  /** An in-memory Lease; `hang` makes every later write wait forever. */
  function fakeLease() {
    const state = {
      lease: undefined as V1Lease | undefined,
      writes: 0,
      hang: false,
      timeouts: [] as number[],
    };
    const forever = new Promise<never>(() => undefined);
    const client: LeaseClient = {
      read: async (timeoutMs) => {
        state.timeouts.push(timeoutMs);
        return state.hang ? forever : state.lease && structuredClone(state.lease);
      },
      create: async (body, timeoutMs) => {
        state.timeouts.push(timeoutMs);
        state.writes++;
        return (state.lease = structuredClone(body));
      },
      replace: async (body, timeoutMs) => {
        state.timeouts.push(timeoutMs);
        if (state.hang) return forever;
        state.writes++;
        return (state.lease = structuredClone(body));
      },
    };
    return { state, client };
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a renew deadline that is not shorter than the lease', () => {
    const { client } = fakeLease();
    expect(
      () => new LeaderElector(client, { ...options, renewDeadlineSeconds: 3 }, log, clock),
    ).toThrow(/shorter than the lease duration/);
  });

  it('renews on its own loop while the caches are still syncing', async () => {
    const { state, client } = fakeLease();
    const elector = new LeaderElector(client, options, log, clock);
    const never = new Promise<void>(() => undefined);
    void elector.run({ onStartedLeading: () => never, onStoppedLeading: () => undefined });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(elector.isLeader).toBe(true);
    expect(elector.mayAct()).toBe(true);
    // one create, then a renewal every retry period
    expect(state.writes).toBeGreaterThanOrEqual(9);
    await elector.release();
  });

  it('stops acting at the renew deadline when a renewal hangs, before the lease could pass on', async () => {
    const { state, client } = fakeLease();
    const elector = new LeaderElector(client, options, log, clock);
    let lost = 0;
    void elector.run({ onStartedLeading: () => undefined, onStoppedLeading: () => lost++ });
    await vi.advanceTimersByTimeAsync(1_000);
    const lastRenewal = Date.now();
    state.hang = true;
    await vi.advanceTimersByTimeAsync(1_400);
    expect(elector.mayAct()).toBe(true);
    await vi.advanceTimersByTimeAsync(1_200);
    expect(elector.mayAct()).toBe(false);
    expect(lost).toBe(1);
    // another replica could take the lease only leaseDuration after the last renewal it saw
    expect(Date.now() - lastRenewal).toBeLessThan(options.leaseDurationSeconds * 1000);
  });

  it('gives every attempt a deadline no longer than what is left of the renew deadline', async () => {
    const { state, client } = fakeLease();
    const elector = new LeaderElector(client, options, log, clock);
    void elector.run({ onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(state.timeouts.length).toBeGreaterThan(5);
    expect(Math.max(...state.timeouts)).toBeLessThanOrEqual(options.renewDeadlineSeconds * 1000);
    await elector.release();
  });

  it('hands the lease over on release, so a standby need not wait for it to expire', async () => {
    const { state, client } = fakeLease();
    const elector = new LeaderElector(client, options, log, clock);
    void elector.run({ onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    await vi.advanceTimersByTimeAsync(100);
    expect(state.lease?.spec?.holderIdentity).toBe('me');
    await elector.release();
    expect(state.lease?.spec?.holderIdentity).toBeUndefined();
    expect(elector.mayAct()).toBe(false);
  });

  it('waits, as a standby, for a whole lease duration of silence before taking over', async () => {
    const { state, client } = fakeLease();
    state.lease = {
      metadata: { name: options.name, namespace: options.namespace },
      spec: { holderIdentity: 'other', leaseDurationSeconds: 3, renewTime: new V1MicroTime() },
    };
    const elector = new LeaderElector(client, options, log, clock);
    void elector.run({ onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    await vi.advanceTimersByTimeAsync(2_900);
    expect(elector.isLeader).toBe(false);
    await vi.advanceTimersByTimeAsync(700);
    expect(elector.isLeader).toBe(true);
    await elector.release();
  });
});
