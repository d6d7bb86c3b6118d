import {
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';

export type ChangeKind = 'add' | 'update' | 'delete';

export interface InformerOptions<T extends KubernetesObject> {
  /** Watch path, for example /apis/pcm-ops.io/v1alpha1/cloudcredentials. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  onChange: (kind: ChangeKind, object: T) => void;
  log: Logger;
  /** Delays between restarts after an error: min, then doubling up to max. */
  restartDelayMs?: { min: number; max: number };
}

/**
 * client-node's informer stops for good on any watch error other than 410 Gone (an API server
 * restart, a dropped connection). This one starts it again with backoff, relisting, so the cache
 * and the handlers catch up with what changed during the outage.
 */
export class ResilientInformer<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private stopped = false;
  private restarting = false;
  private failures = 0;
  private synced = false;

  constructor(
    config: KubeConfig,
    private readonly options: InformerOptions<T>,
  ) {
    this.informer = makeInformer(config, options.path, options.list);
    this.informer.on('add', (object) => this.changed('add', object));
    this.informer.on('update', (object) => this.changed('update', object));
    this.informer.on('delete', (object) => this.changed('delete', object));
    this.informer.on('error', (error) => this.failed(error));
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** Starts watching; resolves after the first successful list, retrying until then. */
  async start(): Promise<void> {
    this.stopped = false;
    while (!this.stopped && !this.synced) {
      const before = this.failures;
      await this.informer.start().catch((error: unknown) => this.failed(error, false));
      if (this.failures === before) {
        this.synced = true;
        this.failures = 0;
      } else {
        await sleep(this.delay());
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.informer.list(namespace);
  }

  private changed(kind: ChangeKind, object: T): void {
    this.failures = 0;
    this.options.onChange(kind, object);
  }

  private delay(): number {
    const { min, max } = this.options.restartDelayMs ?? { min: 250, max: 10_000 };
    return Math.min(max, min * 2 ** Math.min(this.failures, 16));
  }

  private failed(error: unknown, restart = true): void {
    this.failures++;
    this.options.log.warn(
      { path: this.options.path, err: error instanceof Error ? error.message : String(error) },
      'watch failed; restarting',
    );
    if (restart && this.synced) void this.restart();
  }

  private async restart(): Promise<void> {
    if (this.restarting || this.stopped) return;
    this.restarting = true;
    try {
      while (!this.stopped) {
        await sleep(this.delay());
        const before = this.failures;
        await this.informer.start().catch((error: unknown) => this.failed(error, false));
        if (this.failures === before) break;
      }
    } finally {
      this.restarting = false;
    }
  }
}
