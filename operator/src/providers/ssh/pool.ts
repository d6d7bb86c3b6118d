/**
 * SSH connections kept open and shared: one logged-in connection per host (per inventory entry,
 * login and key policy), many commands over it, each on its own channel. A poll of a batch reads
 * every host's run state; without the pool each read is a TCP connection, a key exchange and a
 * login. With it a host costs one handshake for as long as it is used.
 *
 * - Per host, at most `channelsPerHost` commands run at once on its connection (OpenSSH's
 *   MaxSessions is 10 by default); the rest wait their turn.
 * - In all, at most `maxConnections` connections stay open: past that the ones idle longest are
 *   closed; a connection idle for `idleMs` is closed anyway. Keepalive (connection.ts) finds dead
 *   ones; a closed connection leaves the pool at once.
 * - A host behind a bastion is reached over a channel of the bastion's own pooled connection.
 * - A command that fails on a connection reused from the pool, before any answer, is tried once
 *   more on a fresh one: every command the provider sends is safe to repeat (launcher.ts), and
 *   the connection may simply have died while idle.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Client } from 'ssh2';
import { ChannelFailed } from './connection.js';

export interface PoolOptions {
  maxConnections: number;
  channelsPerHost: number;
  idleMs: number;
}

interface Entry {
  client: Promise<Client>;
  limit: LimitFunction;
  users: number;
  lastUsed: number;
  idle?: NodeJS.Timeout;
}

export class SessionPool {
  private readonly entries = new Map<string, Entry>();
  private opened = 0;

  constructor(private readonly options: PoolOptions) {}

  /** Connections opened so far (for tests and metrics). */
  get connectionsOpened(): number {
    return this.opened;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `work` on the pooled connection `id`, opening it with `open` when there is none.
   * `open` may itself use the pool (a bastion's connection).
   */
  async use<T>(
    id: string,
    open: () => Promise<Client>,
    work: (client: Client) => Promise<T>,
  ): Promise<T> {
    const reused = this.entries.has(id);
    try {
      return await this.once(id, open, work);
    } catch (error) {
      if (!reused || !(error instanceof ChannelFailed)) throw error;
      this.drop(id);
      return this.once(id, open, work);
    }
  }

  private async once<T>(
    id: string,
    open: () => Promise<Client>,
    work: (client: Client) => Promise<T>,
  ): Promise<T> {
    const entry = this.entryFor(id, open);
    entry.users += 1;
    clearTimeout(entry.idle);
    try {
      const client = await entry.client;
      return await entry.limit(() => work(client));
    } finally {
      entry.users -= 1;
      entry.lastUsed = Date.now();
      if (entry.users === 0 && this.entries.get(id) === entry) {
        entry.idle = setTimeout(() => this.dropIfIdle(id, entry), this.options.idleMs);
        entry.idle.unref();
      }
      this.trim();
    }
  }

  private entryFor(id: string, open: () => Promise<Client>): Entry {
    const known = this.entries.get(id);
    if (known) return known;
    const client = open();
    this.opened += 1;
    const entry: Entry = {
      client,
      limit: pLimit(this.options.channelsPerHost),
      users: 0,
      lastUsed: Date.now(),
    };
    this.entries.set(id, entry);
    client.then(
      (c) => c.once('close', () => this.forget(id, entry)),
      () => this.forget(id, entry),
    );
    return entry;
  }

  private forget(id: string, entry: Entry): void {
    clearTimeout(entry.idle);
    if (this.entries.get(id) === entry) this.entries.delete(id);
  }

  private dropIfIdle(id: string, entry: Entry): void {
    if (entry.users === 0 && this.entries.get(id) === entry) this.drop(id);
  }

  /** Closes the connection `id` (its users' commands fail). */
  drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.forget(id, entry);
    entry.client.then(
      (client) => client.end(),
      () => undefined,
    );
  }

  /** Past the cap, the connections idle longest go. */
  private trim(): void {
    if (this.entries.size <= this.options.maxConnections) return;
    const idle = [...this.entries]
      .filter(([, entry]) => entry.users === 0)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [id] of idle.slice(0, this.entries.size - this.options.maxConnections))
      this.drop(id);
  }

  close(): void {
    for (const id of [...this.entries.keys()]) this.drop(id);
  }
}
