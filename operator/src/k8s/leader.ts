import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { isConflict, isNotFound } from './errors.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/** What a candidate knows about the lease: the record and when it last saw the record change. */
export interface LeaseObservation {
  holder: string | undefined;
  renewTime: string | undefined;
  leaseDurationSeconds: number;
  /** Local time (ms) at which this candidate first saw the current holder/renewTime pair. */
  observedAt: number;
}

/**
 * Whether `identity` may take or keep the lease now. As in client-go, expiry is judged by when
 * this process observed the last renewal, not by the holder's clock, so clock skew cannot let two
 * replicas lead at once.
 */
export function mayAcquire(
  observation: LeaseObservation | undefined,
  identity: string,
  now: number,
): boolean {
  if (!observation || !observation.holder) return true;
  if (observation.holder === identity) return true;
  return now > observation.observedAt + observation.leaseDurationSeconds * 1000;
}

export interface LeaderCallbacks {
  onStartedLeading: () => void | Promise<void>;
  /** Called once leadership is lost; the process should stop reconciling at once. */
  onStoppedLeading: () => void;
}

/** Leader election over a coordination.k8s.io/v1 Lease: of all candidates, one leads. */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private observation: LeaseObservation | undefined;
  private leading = false;
  private stopped = false;

  constructor(
    config: KubeConfig,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
  ) {
    this.api = config.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until elected, then renews until stopped or the renew deadline passes. */
  async run(callbacks: LeaderCallbacks): Promise<void> {
    while (!this.stopped && !this.leading) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.log.info(
          { lease: this.options.name, identity: this.options.identity },
          'became leader',
        );
        await callbacks.onStartedLeading();
        break;
      }
      await sleep(this.options.retryPeriodSeconds * 1000);
    }
    if (this.leading) await this.renewLoop(callbacks);
  }

  /** Gives the lease up so another replica takes over without waiting for it to expire. */
  async release(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity !== this.options.identity) return;
      lease.spec.holderIdentity = undefined;
      lease.spec.leaseDurationSeconds = 1;
      await this.api.replaceNamespacedLease({
        name: this.options.name,
        namespace: this.options.namespace,
        body: lease,
      });
    } catch (error) {
      this.log.warn({ err: error }, 'could not release the leader lease');
    }
  }

  private async renewLoop(callbacks: LeaderCallbacks): Promise<void> {
    let lastRenewed = Date.now();
    while (!this.stopped) {
      await sleep(this.options.retryPeriodSeconds * 1000);
      if (this.stopped) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenewed = Date.now();
      } else if (Date.now() - lastRenewed > this.options.renewDeadlineSeconds * 1000) {
        this.leading = false;
        this.log.error({ lease: this.options.name }, 'lost the leader lease');
        callbacks.onStoppedLeading();
        return;
      }
    }
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({
        name: this.options.name,
        namespace: this.options.namespace,
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private observe(lease: V1Lease | undefined): void {
    const spec = lease?.spec ?? {};
    const holder = spec.holderIdentity;
    const renewTime = spec.renewTime ? new Date(spec.renewTime).toISOString() : undefined;
    const last = this.observation;
    if (last && last.holder === holder && last.renewTime === renewTime) return;
    this.observation = {
      holder,
      renewTime,
      leaseDurationSeconds: spec.leaseDurationSeconds ?? this.options.leaseDurationSeconds,
      observedAt: Date.now(),
    };
  }

  private desiredSpec(previous: V1Lease | undefined): V1Lease['spec'] {
    const now = new V1MicroTime();
    const spec = previous?.spec ?? {};
    const keepsHolder = spec.holderIdentity === this.options.identity;
    const acquiredAt = keepsHolder && spec.acquireTime ? new V1MicroTime(spec.acquireTime) : now;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.options.leaseDurationSeconds,
      acquireTime: acquiredAt,
      renewTime: now,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (keepsHolder ? 0 : 1),
    };
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    try {
      const lease = await this.read();
      this.observe(lease);
      if (!mayAcquire(this.observation, this.options.identity, Date.now())) return false;
      const body: V1Lease = {
        metadata: lease?.metadata ?? { name: this.options.name, namespace: this.options.namespace },
        spec: this.desiredSpec(lease),
      };
      const { namespace, name } = this.options;
      const written = lease
        ? await this.api.replaceNamespacedLease({ name, namespace, body })
        : await this.api.createNamespacedLease({ namespace, body });
      this.observe(written);
      return true;
    } catch (error) {
      if (!isConflict(error)) this.log.warn({ err: error }, 'leader election attempt failed');
      return false;
    }
  }
}
