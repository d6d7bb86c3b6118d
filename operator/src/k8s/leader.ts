import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { requestOptions } from './request-options.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  /** A leader that has not renewed for this long stops acting; must be below the lease duration. */
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/** What a candidate knows about the lease: the record and when it last saw the record change. */
export interface LeaseObservation {
  holder: string | undefined;
  renewTime: string | undefined;
  leaseDurationSeconds: number;
  /** Local monotonic time (ms) at which this candidate first saw the current holder/renewTime. */
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

/** The Lease object, read and written with a deadline per request. */
export interface LeaseClient {
  read(timeoutMs: number): Promise<V1Lease | undefined>;
  create(body: V1Lease, timeoutMs: number): Promise<V1Lease>;
  replace(body: V1Lease, timeoutMs: number): Promise<V1Lease>;
}

export function leaseClient(config: KubeConfig, namespace: string, name: string): LeaseClient {
  const api = config.makeApiClient(CoordinationV1Api);
  const options = (timeoutMs: number): ReturnType<typeof requestOptions> =>
    requestOptions({ timeoutMs });
  return {
    read: async (timeoutMs) => {
      try {
        return await api.readNamespacedLease({ name, namespace }, options(timeoutMs));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    create: (body, timeoutMs) => api.createNamespacedLease({ namespace, body }, options(timeoutMs)),
    replace: (body, timeoutMs) =>
      api.replaceNamespacedLease({ name, namespace, body }, options(timeoutMs)),
  };
}

export interface LeaderCallbacks {
  /** Runs beside the renewal loop, which never waits for it. */
  onStartedLeading: () => void | Promise<void>;
  /** Called once leadership is lost; the process should stop reconciling at once. */
  onStoppedLeading: () => void;
}

export interface ElectorClock {
  /** Monotonic milliseconds: a process paused by SIGSTOP sees the pause when it resumes. */
  now: () => number;
  sleep: (ms: number) => Promise<unknown>;
}

const REAL_CLOCK: ElectorClock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

/** Per-attempt deadline floor, so a nearly spent renew budget still allows one honest try. */
const MIN_ATTEMPT_MS = 100;

/**
 * Leader election over a coordination.k8s.io/v1 Lease. The leader renews on a loop of its own,
 * independent of everything else the process does, each attempt bounded by a deadline; it may act
 * only while its last successful renewal started less than renewDeadline ago (`mayAct`). Others
 * take the lease only after they have watched it unchanged for the whole lease duration, which is
 * longer than the renew deadline, so the old leader stops acting before a new one starts.
 */
export class LeaderElector {
  private observation: LeaseObservation | undefined;
  private leading = false;
  private stopped = false;
  /** Monotonic start of the last renewal the API server accepted. */
  private renewedAt = Number.NEGATIVE_INFINITY;
  private lossTimer: NodeJS.Timeout | undefined;
  private callbacks: LeaderCallbacks | undefined;

  constructor(
    private readonly client: LeaseClient,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
    private readonly clock: ElectorClock = REAL_CLOCK,
  ) {
    if (options.renewDeadlineSeconds >= options.leaseDurationSeconds)
      throw new RangeError(
        `renew deadline (${options.renewDeadlineSeconds}s) must be shorter than the lease duration (${options.leaseDurationSeconds}s)`,
      );
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * True while this process leads and its lease cannot have passed to another: checked right
   * before every call that must not be made twice (a SendCommand) and before every write.
   */
  mayAct(): boolean {
    return (
      this.leading && this.clock.now() - this.renewedAt < this.options.renewDeadlineSeconds * 1000
    );
  }

  /** Campaigns until elected, then renews until stopped or the renew deadline passes. */
  async run(callbacks: LeaderCallbacks): Promise<void> {
    this.callbacks = callbacks;
    while (!this.stopped && !this.leading) {
      if (await this.tryAcquireOrRenew()) {
        this.startLeading();
        break;
      }
      await this.clock.sleep(this.options.retryPeriodSeconds * 1000);
    }
    if (this.leading) await this.renewLoop();
  }

  /** Gives the lease up so another replica takes over without waiting for it to expire. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.lossTimer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const timeoutMs = this.options.renewDeadlineSeconds * 1000;
      const lease = await this.client.read(timeoutMs);
      if (lease?.spec?.holderIdentity !== this.options.identity) return;
      lease.spec.holderIdentity = undefined;
      lease.spec.leaseDurationSeconds = 1;
      await this.client.replace(lease, timeoutMs);
    } catch (error) {
      this.log.warn({ err: message(error) }, 'could not release the leader lease');
    }
  }

  private startLeading(): void {
    this.leading = true;
    this.armLossTimer();
    this.log.info({ lease: this.options.name, identity: this.options.identity }, 'became leader');
    // The caches may take long to sync; renewal must not wait for them.
    void Promise.resolve()
      .then(() => this.callbacks?.onStartedLeading())
      .catch((error: unknown) => this.log.error({ err: message(error) }, 'leading failed'));
  }

  private async renewLoop(): Promise<void> {
    while (!this.stopped && this.leading) {
      await this.clock.sleep(this.options.retryPeriodSeconds * 1000);
      if (this.stopped || !this.leading) return;
      if (await this.tryAcquireOrRenew()) this.armLossTimer();
      else if (!this.mayAct()) return this.lose();
    }
  }

  /** Declares the lease lost the moment the renew deadline passes, even mid-attempt. */
  private armLossTimer(): void {
    clearTimeout(this.lossTimer);
    const left = this.renewedAt + this.options.renewDeadlineSeconds * 1000 - this.clock.now();
    this.lossTimer = setTimeout(
      () => {
        if (this.leading && !this.stopped && !this.mayAct()) this.lose();
      },
      Math.max(0, left) + 1,
    );
    this.lossTimer.unref();
  }

  private lose(): void {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.lossTimer);
    this.log.error({ lease: this.options.name }, 'could not renew the leader lease in time');
    this.callbacks?.onStoppedLeading();
  }

  private attemptTimeoutMs(): number {
    const deadline = this.options.renewDeadlineSeconds * 1000;
    if (!this.leading) return deadline;
    return Math.max(MIN_ATTEMPT_MS, this.renewedAt + deadline - this.clock.now());
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
      observedAt: this.clock.now(),
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
    const startedAt = this.clock.now();
    const timeoutMs = this.attemptTimeoutMs();
    try {
      const lease = await this.client.read(timeoutMs);
      this.observe(lease);
      if (!mayAcquire(this.observation, this.options.identity, this.clock.now())) return false;
      const body: V1Lease = {
        metadata: lease?.metadata ?? { name: this.options.name, namespace: this.options.namespace },
        spec: this.desiredSpec(lease),
      };
      const left = Math.max(MIN_ATTEMPT_MS, timeoutMs - (this.clock.now() - startedAt));
      const written = lease
        ? await this.client.replace(body, left)
        : await this.client.create(body, left);
      this.observe(written);
      this.renewedAt = startedAt;
      return true;
    } catch (error) {
      if (!isConflict(error) && !isAlreadyExists(error))
        this.log.warn({ err: message(error) }, 'leader election attempt failed');
      return false;
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
