import { CoreV1Api, Watch, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { isGone, isNotFound } from './errors.js';
import { requestOptions } from './request-options.js';

export interface SecretReader {
  /** The Secret as the API server has it (undefined when there is none); throws when unreadable. */
  get(namespace: string, name: string): Promise<V1Secret | undefined>;
}

interface Entry {
  namespace: string;
  name: string;
  loaded: Promise<void>;
  secret?: V1Secret;
  resourceVersion?: string;
  watch?: AbortController;
  usedAt: number;
  failures: number;
}

export interface ReferencedSecretsOptions {
  log: Logger;
  /** A watched Secret changed (or appeared, or went). */
  onChange: (namespace: string, name: string) => void;
  /** Secrets nobody asked for this long are no longer followed. */
  idleMs?: number;
  now?: () => number;
}

const IDLE_MS = 15 * 60_000;
const SWEEP_EVERY_MS = 60_000;
const RESTART_DELAY_MS = { min: 250, max: 10_000 };

interface WatchEvent {
  type: string;
  object: V1Secret;
}

/**
 * The Secrets that credentials and executions reference, and no others: each is read once by
 * name, then followed by a watch on that one name (a field selector on metadata.name). The
 * operator never lists Secrets, so it never holds a Secret nobody pointed it at.
 */
export class ReferencedSecrets implements SecretReader {
  private readonly entries = new Map<string, Entry>();
  private readonly core: CoreV1Api;
  private readonly watcher: Watch;
  private readonly sweeper: NodeJS.Timeout;
  private stopped = false;

  constructor(
    config: KubeConfig,
    private readonly options: ReferencedSecretsOptions,
  ) {
    this.core = config.makeApiClient(CoreV1Api);
    this.watcher = new Watch(config);
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  /** Secrets followed now. */
  get size(): number {
    return this.entries.size;
  }

  async get(namespace: string, name: string): Promise<V1Secret | undefined> {
    const key = `${namespace}/${name}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.follow(namespace, name);
      this.entries.set(key, entry);
    }
    entry.usedAt = this.now();
    try {
      await entry.loaded;
    } catch (error) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw error;
    }
    return entry.secret;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const entry of this.entries.values()) entry.watch?.abort();
    this.entries.clear();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private follow(namespace: string, name: string): Entry {
    const entry: Entry = {
      namespace,
      name,
      loaded: Promise.resolve(),
      usedAt: this.now(),
      failures: 0,
    };
    // The watch starts from the version read, so nothing between the read and the watch is missed.
    entry.loaded = this.load(entry).then(() => {
      void this.watch(entry).catch((error: unknown) => this.restart(entry, error));
    });
    return entry;
  }

  private async load(entry: Entry): Promise<void> {
    try {
      entry.secret = await this.core.readNamespacedSecret(
        { namespace: entry.namespace, name: entry.name },
        requestOptions(),
      );
      entry.resourceVersion = entry.secret.metadata?.resourceVersion;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      entry.secret = undefined;
      entry.resourceVersion = undefined;
    }
  }

  private async watch(entry: Entry): Promise<void> {
    if (this.stopped || this.entries.get(`${entry.namespace}/${entry.name}`) !== entry) return;
    const query: Record<string, string> = {
      fieldSelector: `metadata.name=${entry.name}`,
      allowWatchBookmarks: 'true',
    };
    if (entry.resourceVersion) query.resourceVersion = entry.resourceVersion;
    entry.watch = await this.watcher.watch(
      `/api/v1/namespaces/${entry.namespace}/secrets`,
      query,
      (type: string, object: V1Secret) => this.event(entry, { type, object }),
      (error: unknown) => void this.restart(entry, error),
    );
  }

  private event(entry: Entry, { type, object }: WatchEvent): void {
    entry.failures = 0;
    if (type === 'ERROR') {
      if ((object as { code?: number }).code === 410) entry.resourceVersion = undefined;
      return;
    }
    entry.resourceVersion = object.metadata?.resourceVersion ?? entry.resourceVersion;
    if (type !== 'BOOKMARK') this.replace(entry, type === 'DELETED' ? undefined : object);
  }

  private replace(entry: Entry, secret: V1Secret | undefined): void {
    const before = entry.secret?.metadata?.resourceVersion;
    entry.secret = secret;
    if (secret?.metadata?.resourceVersion !== before)
      this.options.onChange(entry.namespace, entry.name);
  }

  /** The watch ended (a server timeout, an outage): follow again from where it was. */
  private async restart(entry: Entry, error: unknown): Promise<void> {
    if (this.stopped || this.entries.get(`${entry.namespace}/${entry.name}`) !== entry) return;
    if (error) {
      entry.failures++;
      this.options.log.debug(
        { secret: entry.name, namespace: entry.namespace, err: String(error) },
        'secret watch ended; following again',
      );
    }
    const delay = Math.min(RESTART_DELAY_MS.max, RESTART_DELAY_MS.min * 2 ** entry.failures);
    await new Promise((resolve) => setTimeout(resolve, error ? delay : 0).unref());
    try {
      if (isGone(error) || !entry.resourceVersion) await this.reload(entry);
      await this.watch(entry);
    } catch (failure) {
      void this.restart(entry, failure);
    }
  }

  private async reload(entry: Entry): Promise<void> {
    const before = entry.secret?.metadata?.resourceVersion;
    await this.load(entry);
    if (entry.secret?.metadata?.resourceVersion !== before)
      this.options.onChange(entry.namespace, entry.name);
  }

  private sweep(): void {
    const idleMs = this.options.idleMs ?? IDLE_MS;
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (now - entry.usedAt < idleMs) continue;
      entry.watch?.abort();
      this.entries.delete(key);
    }
  }
}
