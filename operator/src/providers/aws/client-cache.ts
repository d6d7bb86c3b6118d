import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { LocationSession } from './location.js';
import {
  ec2Client,
  ssmClient,
  ssmSendClient,
  type AwsCallObserver,
  type AwsClientOptions,
} from './clients.js';

/** Calls may still run on a client that was just dropped: it is destroyed this much later. */
const RETIRED_CLIENT_GRACE_MS = 5 * 60_000;
/** A client not used for this long is dropped, with its sockets and the SDK's state. */
const IDLE_CLIENT_MS = 15 * 60_000;
/** How often the cache looks for idle clients (on use; no timer keeps the process busy). */
const SWEEP_EVERY_MS = 60_000;

interface CachedClients {
  credentials: AwsCredentialIdentity;
  usedAt: number;
  ec2?: EC2Client;
  ssm?: SSMClient;
  ssmSend?: SSMClient;
}

function sameCredentials(a: AwsCredentialIdentity, b: AwsCredentialIdentity): boolean {
  return (
    a.accessKeyId === b.accessKeyId &&
    a.secretAccessKey === b.secretAccessKey &&
    a.sessionToken === b.sessionToken
  );
}

function destroy(clients: CachedClients): void {
  clients.ec2?.destroy();
  clients.ssm?.destroy();
  clients.ssmSend?.destroy();
}

export interface ClientCacheOptions {
  maxEntries: number;
  idleMs?: number;
  now?: () => number;
  /** How a dropped entry's clients go; after a grace period by default. */
  retire?: (destroyClients: () => void) => void;
}

/**
 * EC2 and SSM clients per access key and region, so the SDK's adaptive retry state survives
 * between reconciles. The least recently used go first past `maxEntries`, and any left unused
 * for 15 minutes go too: temporary credentials change key at every renewal, and an operator that
 * once ran over many accounts should not hold their clients for the rest of its life.
 */
export class ClientCache {
  private readonly entries = new Map<string, CachedClients>();
  private sweptAt: number;

  constructor(
    private readonly settings: {
      endpoint?: string;
      observe?: AwsCallObserver;
      maxAttempts?: number;
      /** May this process still make calls that must not be made twice (it holds its lease)? */
      mayAct?: () => boolean;
      /** Deadline of one SendCommand attempt. */
      sendTimeoutMs?: number;
    },
    private readonly options: ClientCacheOptions,
  ) {
    this.sweptAt = this.now();
  }

  ec2(session: LocationSession): EC2Client {
    const entry = this.entry(session);
    entry.ec2 ??= ec2Client(this.clientOptions(session));
    return entry.ec2;
  }

  ssm(session: LocationSession): SSMClient {
    const entry = this.entry(session);
    entry.ssm ??= ssmClient(this.clientOptions(session));
    return entry.ssm;
  }

  /** For SendCommand: one attempt, a deadline, and the leader fence (see ssmSendClient). */
  ssmSend(session: LocationSession): SSMClient {
    const entry = this.entry(session);
    entry.ssmSend ??= ssmSendClient(
      { ...this.clientOptions(session), requestTimeoutMs: this.settings.sendTimeoutMs ?? 20_000 },
      this.settings.mayAct ?? (() => true),
    );
    return entry.ssmSend;
  }

  get size(): number {
    return this.entries.size;
  }

  close(): void {
    for (const entry of this.entries.values()) destroy(entry);
    this.entries.clear();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private clientOptions(session: LocationSession): AwsClientOptions {
    const { endpoint, observe, maxAttempts } = this.settings;
    return {
      region: session.region,
      credentials: session.credentials,
      endpoint,
      observe,
      maxAttempts,
    };
  }

  private entry(session: LocationSession): CachedClients {
    const now = this.now();
    this.sweep(now);
    const key = `${session.credentials.accessKeyId}/${session.region}`;
    const found = this.entries.get(key);
    this.entries.delete(key);
    if (found && sameCredentials(found.credentials, session.credentials)) {
      found.usedAt = now;
      this.entries.set(key, found);
      return found;
    }
    if (found) this.retire(found);
    const created: CachedClients = { credentials: session.credentials, usedAt: now };
    this.entries.set(key, created);
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.options.maxEntries) break;
      this.entries.delete(oldest);
      this.retire(entry);
    }
    return created;
  }

  /** Drops the entries idle too long; the map is in order of last use, oldest first. */
  private sweep(now: number): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    const idleMs = this.options.idleMs ?? IDLE_CLIENT_MS;
    for (const [key, entry] of this.entries) {
      if (now - entry.usedAt < idleMs) break;
      this.entries.delete(key);
      this.retire(entry);
    }
  }

  private retire(entry: CachedClients): void {
    if (this.options.retire) return this.options.retire(() => destroy(entry));
    setTimeout(() => destroy(entry), RETIRED_CLIENT_GRACE_MS).unref();
  }
}
