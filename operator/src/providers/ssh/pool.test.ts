// The pool of SSH connections, over stand-ins for ssh2's Client (an EventEmitter with end()): one
// connection per host shared by its commands, a per-host cap on commands at once, idle ones
// closed, a dead one replaced once, a closed one forgotten.
import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChannelFailed } from './connection.js';
import { SessionPool } from './pool.js';

class FakeClient extends EventEmitter {
  ended = false;
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('close');
  }
}

function opener(): { open: () => Promise<Client>; clients: FakeClient[] } {
  const clients: FakeClient[] = [];
  return {
    clients,
    open: () => {
      const client = new FakeClient();
      clients.push(client);
      return Promise.resolve(client as unknown as Client);
    },
  };
}

const options = { maxConnections: 4, channelsPerHost: 2, idleMs: 1000 };

afterEach(() => {
  vi.useRealTimers();
});

describe('the SSH connection pool', () => {
  it('runs every command of a host over one connection', async () => {
    const pool = new SessionPool(options);
    const { open, clients } = opener();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => pool.use('h1', open, async () => i)),
    );
    expect(answers).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(clients).toHaveLength(1);
    expect(pool.connectionsOpened).toBe(1);
    pool.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(clients[0]!.ended).toBe(true);
  });

  it('runs at most channelsPerHost commands of one host at once', async () => {
    const pool = new SessionPool(options);
    const { open } = opener();
    let running = 0;
    let most = 0;
    const work = async (): Promise<void> => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    };
    await Promise.all(Array.from({ length: 8 }, () => pool.use('h1', open, work)));
    expect(most).toBe(2);
    pool.close();
  });

  it('closes a connection nobody used for idleMs', async () => {
    vi.useFakeTimers();
    const pool = new SessionPool(options);
    const { open, clients } = opener();
    await pool.use('h1', open, async () => undefined);
    await vi.advanceTimersByTimeAsync(999);
    expect(clients[0]!.ended).toBe(false);
    await pool.use('h1', open, async () => undefined);
    await vi.advanceTimersByTimeAsync(999);
    expect(clients[0]!.ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(clients[0]!.ended).toBe(true);
    expect(pool.size).toBe(0);
  });

  it('tries a command once more on a fresh connection when a reused one has died', async () => {
    const pool = new SessionPool(options);
    const { open, clients } = opener();
    await pool.use('h1', open, async () => undefined);
    let tries = 0;
    const answer = await pool.use('h1', open, async (client) => {
      tries += 1;
      if (client === (clients[0] as unknown as Client)) throw new ChannelFailed('Not connected');
      return 'ran';
    });
    expect(answer).toBe('ran');
    expect(tries).toBe(2);
    expect(clients).toHaveLength(2);
    expect(clients[0]!.ended).toBe(true);
    // a fresh connection that fails is not tried again, nor any other failure
    await expect(
      pool.use('h2', open, async () => {
        throw new ChannelFailed('refused');
      }),
    ).rejects.toThrow('refused');
    await expect(
      pool.use('h1', open, async () => {
        throw new Error('exit 1');
      }),
    ).rejects.toThrow('exit 1');
    expect(clients).toHaveLength(3);
    pool.close();
  });

  it('forgets a connection the host closed, and opens a new one next time', async () => {
    const pool = new SessionPool(options);
    const { open, clients } = opener();
    await pool.use('h1', open, async () => undefined);
    clients[0]!.end();
    expect(pool.size).toBe(0);
    await pool.use('h1', open, async () => undefined);
    expect(clients).toHaveLength(2);
    pool.close();
  });

  it('keeps at most maxConnections open, closing the ones idle longest', async () => {
    const pool = new SessionPool(options);
    const { open, clients } = opener();
    for (const host of ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'])
      await pool.use(host, open, async () => undefined);
    expect(pool.size).toBe(4);
    expect(clients.map((c) => c.ended)).toEqual([true, true, false, false, false, false]);
    pool.close();
  });

  it('does not open a connection it failed to open twice for one command', async () => {
    const pool = new SessionPool(options);
    let opens = 0;
    const failing = (): Promise<Client> => {
      opens += 1;
      return Promise.reject(new Error('connect ECONNREFUSED'));
    };
    await expect(pool.use('h1', failing, async () => undefined)).rejects.toThrow('ECONNREFUSED');
    expect(opens).toBe(1);
    expect(pool.size).toBe(0);
  });
});
