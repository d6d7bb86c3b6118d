import { describe, expect, it } from 'vitest';
import type { LocationSession } from './location.js';
import { ClientCache } from './client-cache.js';

const MINUTE = 60_000;

function session(accessKeyId: string, region = 'eu-west-1'): LocationSession {
  return {
    accountId: '111111111111',
    region,
    credential: 'fleet',
    credentials: { accessKeyId, secretAccessKey: 'not-a-secret' },
  };
}

function cache(maxEntries = 10): { cache: ClientCache; clock: { now: number }; retired: number[] } {
  const clock = { now: 0 };
  const retired: number[] = [];
  const built = new ClientCache(
    { endpoint: 'http://127.0.0.1:1' },
    {
      maxEntries,
      now: () => clock.now,
      retire: (destroy) => {
        destroy();
        retired.push(clock.now);
      },
    },
  );
  return { cache: built, clock, retired };
}

describe('ClientCache', () => {
  it('hands out the same client for the same key and region', () => {
    const { cache: clients } = cache();
    expect(clients.ssm(session('AKIA1'))).toBe(clients.ssm(session('AKIA1')));
    expect(clients.ssm(session('AKIA1', 'us-east-1'))).not.toBe(clients.ssm(session('AKIA1')));
    expect(clients.size).toBe(2);
  });

  it('drops the least recently used clients past its size', () => {
    const { cache: clients, retired } = cache(2);
    const first = clients.ec2(session('AKIA1'));
    clients.ec2(session('AKIA2'));
    clients.ec2(session('AKIA1'));
    clients.ec2(session('AKIA3'));
    expect(clients.size).toBe(2);
    expect(retired).toHaveLength(1);
    expect(clients.ec2(session('AKIA1'))).toBe(first);
  });

  it('drops clients left unused for 15 minutes, and keeps those in use', () => {
    const { cache: clients, clock, retired } = cache();
    const used = clients.ssm(session('AKIA-USED'));
    for (let i = 0; i < 5; i += 1) clients.ssm(session(`AKIA-ONCE-${i}`));
    for (let minute = 1; minute <= 20; minute += 1) {
      clock.now = minute * MINUTE;
      clients.ssm(session('AKIA-USED'));
    }
    expect(retired).toHaveLength(5);
    expect(clients.size).toBe(1);
    expect(clients.ssm(session('AKIA-USED'))).toBe(used);
  });
});
