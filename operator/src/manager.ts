import { hostname } from 'node:os';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import {
  CLOUD_CREDENTIAL,
  EXECUTION_BATCH,
  SCRIPT,
  SCRIPT_EXECUTION,
  type CloudCredential,
  type ExecutionBatch,
  type Script,
  type ScriptExecution,
  type KindDefinition,
} from '@pcm-ops/crds';
import { KubernetesAccess } from './api/access.js';
import { handleApi, type ApiDeps } from './api/routes.js';
import { ambientNamespaces, type OperatorConfig } from './config.js';
import { EXECUTION_LABEL, NotLeaderError } from './domain/store.js';
import { EventRecorder } from './k8s/events.js';
import { KubeExecutionStore } from './k8s/execution-store.js';
import { ResilientInformer, type ChangeKind } from './k8s/informer.js';
import { leaseClient, LeaderElector } from './k8s/leader.js';
import { startLeading } from './leading.js';
import { ReferencedSecrets } from './k8s/referenced-secrets.js';
import { Resources } from './k8s/resources.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { createProviders } from './providers/index.js';
import type { WatchedObjects } from './providers/context.js';
import { outputBucketFrom, type OutputBucket } from './providers/output-bucket.js';
import type { ProviderRegistry } from './providers/registry.js';
import { WorkQueue, type WorkResult } from './queue.js';
import { CloudCredentialReconciler, TransientFailure } from './reconcilers/cloud-credential.js';
import { ScriptExecutionReconciler } from './reconcilers/script-execution.js';
import { startHttpServer } from './server.js';

export interface Operator {
  readonly metrics: Metrics;
  stop(): Promise<void>;
}

const CC = 'CloudCredential';
const SE = 'ScriptExecution';

function keyFor(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function parseKey(key: string): { kind: string; namespace: string; name: string } {
  const [kind = '', namespace = '', name = ''] = key.split('/');
  return { kind, namespace, name };
}

function loadKubeConfig(config: OperatorConfig): KubeConfig {
  const kc = new KubeConfig();
  if (config.KUBECONFIG) kc.loadFromFile(config.KUBECONFIG);
  else kc.loadFromDefault();
  return kc;
}

type Informer = ResilientInformer<KubernetesObject>;
type Kinds = 'credentials' | 'scripts' | 'executions' | 'batches';

/**
 * Wires informers, the work queue and the reconcilers, and runs them only while leading. Start-up
 * order: campaign for the lease; once elected, renew it on a loop of its own; start every
 * informer; start the workers only once every informer has synced, so no decision is taken on a
 * half-filled cache.
 */
export class Manager implements Operator {
  readonly metrics = new Metrics();
  private readonly kc: KubeConfig;
  private readonly elector: LeaderElector;
  private readonly queue: WorkQueue;
  private readonly informers: Record<Kinds, Informer>;
  /** Informers of the kinds providers own (inventories), synced with the rest. */
  private readonly providerInformers: Informer[] = [];
  private readonly secrets: ReferencedSecrets;
  private readonly credentialReconciler: CloudCredentialReconciler;
  private readonly executionReconciler: ScriptExecutionReconciler;
  private readonly api: ApiDeps;
  private readonly store: KubeExecutionStore;
  private readonly providers: ProviderRegistry;
  private readonly outputBucket: OutputBucket | undefined;
  private server: Server | undefined;
  private synced = false;

  constructor(
    private readonly config: OperatorConfig,
    private readonly log: Logger,
  ) {
    this.kc = loadKubeConfig(config);
    const identity = config.PCM_OPS_IDENTITY ?? `${hostname()}-${process.pid}`;
    this.elector = new LeaderElector(
      leaseClient(this.kc, config.PCM_OPS_POD_NAMESPACE, config.PCM_OPS_LEASE_NAME),
      this.leaseOptions(identity),
      log,
    );
    this.queue = new WorkQueue((key) => this.work(key), {
      concurrency: config.PCM_OPS_WORKERS,
      baseBackoffMs: 500,
      maxBackoffMs: 60_000,
      onError: (key, error, attempt) => this.onWorkError(key, error, attempt),
      onDepth: (depth) => this.metrics.queueDepth.set({ kind: 'all' }, depth),
      paused: true,
    });
    const namespace = config.PCM_OPS_NAMESPACE;
    const resources = {
      credentials: new Resources<CloudCredential>(this.kc, CLOUD_CREDENTIAL, namespace),
      scripts: new Resources<Script>(this.kc, SCRIPT, namespace),
      executions: new Resources<ScriptExecution>(this.kc, SCRIPT_EXECUTION, namespace),
      batches: new Resources<ExecutionBatch>(this.kc, EXECUTION_BATCH, namespace),
    };
    this.informers = {
      credentials: this.informerFor(resources.credentials, (_k, o) =>
        this.credentialChanged(o as unknown as CloudCredential),
      ),
      scripts: this.informerFor(resources.scripts, (_k, o) =>
        this.scriptChanged(o as unknown as Script),
      ),
      executions: this.informerFor(resources.executions, (k, o) =>
        this.executionChanged(k, o as unknown as ScriptExecution),
      ),
      batches: this.informerFor(resources.batches, (k, o) =>
        this.batchChanged(k, o as unknown as ExecutionBatch),
      ),
    };
    this.secrets = new ReferencedSecrets(this.kc, {
      log,
      onChange: (ns, name) => this.secretChanged(ns, name),
    });
    const observe = (call: { service: string; operation: string; outcome: string }): void => {
      this.metrics.awsCalls.inc(call);
    };
    const ambient = ambientNamespaces(config);
    const mayAct = (): boolean => this.elector.mayAct();
    this.outputBucket = outputBucketFrom(config, { observe });
    if (this.outputBucket)
      log.info(
        { bucket: this.outputBucket.name, prefix: this.outputBucket.prefix },
        'full output beyond what providers keep inline is read from the output bucket',
      );
    this.providers = createProviders({
      config,
      log,
      outputBucket: this.outputBucket,
      credential: (ns, name) => this.credential(ns, name),
      secret: (ns, name) => this.secrets.get(ns, name),
      mayAct,
      observeCall: observe,
      watch: (kind, onChange) => this.watchForProvider(kind, onChange),
      requeueCredentials: (ns, uses) => {
        for (const cc of this.listed<CloudCredential>(this.informers.credentials, ns)) {
          if (uses(cc)) this.queue.add(keyFor(CC, ns, cc.metadata.name ?? ''));
        }
      },
    });
    const providers = this.providers;
    const events = new EventRecorder(this.kc, log, identity);
    this.credentialReconciler = new CloudCredentialReconciler({
      get: (ns, name) => this.credential(ns, name),
      providers,
      resources: resources.credentials,
      events,
      log,
      validationIntervalMs: config.PCM_OPS_VALIDATION_INTERVAL_SECONDS * 1000,
      refreshBeforeExpiryMs: config.PCM_OPS_REFRESH_BEFORE_EXPIRY_SECONDS * 1000,
    });
    this.store = new KubeExecutionStore(
      { cache: this.informers.executions as never, api: resources.executions },
      { cache: this.informers.batches as never, api: resources.batches },
      () => {
        if (!mayAct()) throw new NotLeaderError('this operator no longer holds the leader lease');
      },
    );
    const lookups = {
      script: (ns: string, name: string) =>
        this.informers.scripts.get(name, ns) as unknown as Script | undefined,
      credential: (ns: string, name: string) => this.credential(ns, name),
    };
    this.api = {
      access: new KubernetesAccess(this.kc),
      store: this.store,
      lookups,
      providers,
    };
    this.executionReconciler = new ScriptExecutionReconciler({
      store: this.store,
      lookups,
      secrets: this.secrets,
      providers,
      events,
      log,
      now: () => new Date(),
      pollMs: { min: config.PCM_OPS_POLL_MIN_MS, max: config.PCM_OPS_POLL_MAX_MS },
      parallelism: config.PCM_OPS_AWS_PARALLELISM,
      countPoll: () => this.metrics.commandPolls.inc(),
      ambientNamespaces: ambient,
      timing: {
        sendSettleMs: config.PCM_OPS_SEND_SETTLE_SECONDS * 1000,
        unreachableGraceMs: config.PCM_OPS_UNREACHABLE_GRACE_SECONDS * 1000,
        cancelGraceMs: config.PCM_OPS_CANCEL_GRACE_SECONDS * 1000,
        backoffMs: { min: 1_000, max: 60_000 },
      },
    });
  }

  private leaseOptions(identity: string): ConstructorParameters<typeof LeaderElector>[1] {
    return {
      namespace: this.config.PCM_OPS_POD_NAMESPACE,
      name: this.config.PCM_OPS_LEASE_NAME,
      identity,
      leaseDurationSeconds: this.config.PCM_OPS_LEASE_DURATION_SECONDS,
      renewDeadlineSeconds: this.config.PCM_OPS_RENEW_DEADLINE_SECONDS,
      retryPeriodSeconds: this.config.PCM_OPS_RETRY_PERIOD_SECONDS,
    };
  }

  private informerFor<T extends { metadata: object }>(
    resources: Resources<T & { metadata: { name?: string } }>,
    onChange: (kind: ChangeKind, object: KubernetesObject) => void,
  ): Informer {
    return new ResilientInformer<KubernetesObject>(this.kc, {
      path: resources.watchPath,
      list: () => resources.list() as never,
      onChange,
      log: this.log,
    });
  }

  private watchForProvider<T>(
    kind: KindDefinition,
    onChange?: (object: T) => void,
  ): WatchedObjects<T> {
    const resources = new Resources<T & { metadata: { name?: string } }>(
      this.kc,
      kind,
      this.config.PCM_OPS_NAMESPACE,
    );
    const informer = this.informerFor(resources, (_kind, object) =>
      onChange?.(object as unknown as T),
    );
    this.providerInformers.push(informer);
    return {
      get: (ns, name) => informer.get(name, ns) as unknown as T | undefined,
      patchStatus: (ns, name, body) => resources.patchStatus(ns, name, body),
    };
  }

  /** Serves health and metrics at once, then campaigns for the lease and runs while leading. */
  async start(onLostLeadership: () => void): Promise<void> {
    this.server = await startHttpServer(
      this.metrics,
      {
        live: () => true,
        ready: () => this.synced || !this.elector.isLeader,
        api: (req, res) => this.serveApi(req, res),
      },
      { host: this.config.PCM_OPS_HTTP_HOST, port: this.config.PCM_OPS_HTTP_PORT },
    );
    this.log.info(
      { port: this.config.PCM_OPS_HTTP_PORT },
      'serving /healthz, /readyz and /metrics',
    );
    await this.elector.run({
      onStartedLeading: () => this.lead(),
      onStoppedLeading: () => {
        this.metrics.leader.set(0);
        onLostLeadership();
      },
    });
  }

  /** Whether the workers run (every informer synced while leading). */
  get working(): boolean {
    return this.synced;
  }

  /** The read API needs the leader's caches; a standby says so rather than answer from nothing. */
  private async serveApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.synced) {
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'not the leader' }));
      return;
    }
    await handleApi(this.api, req, res);
  }

  /** Runs beside the lease renewal: informers first, workers only once all of them synced. */
  private async lead(): Promise<void> {
    this.metrics.leader.set(1);
    const working = await startLeading({
      informers: [...Object.values(this.informers), ...this.providerInformers],
      workers: this.queue,
      stillLeading: () => this.elector.isLeader,
    });
    if (!working) return;
    this.synced = true;
    this.log.info({ queued: this.queue.depth }, 'caches synced; reconciling');
  }

  async stop(): Promise<void> {
    await this.queue.shutdown();
    this.secrets.stop();
    const informers = [...Object.values(this.informers), ...this.providerInformers];
    await Promise.all(informers.map((i) => i.stop()));
    await this.elector.release();
    for (const provider of this.providers.all()) provider.close?.();
    this.outputBucket?.close();
    this.metrics.leader.set(0);
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private credential(namespace: string, name: string): CloudCredential | undefined {
    return this.informers.credentials.get(name, namespace) as unknown as
      CloudCredential | undefined;
  }

  private listed<T>(informer: Informer, namespace: string): T[] {
    return informer.list(namespace) as unknown as T[];
  }

  private enqueue(kind: string, object: KubernetesObject): void {
    this.queue.add(keyFor(kind, object.metadata?.namespace ?? '', object.metadata?.name ?? ''));
  }

  /** Executions not yet resolving that use a changed object are checked again. */
  private enqueueWaitingExecutions(
    namespace: string,
    uses: (se: ScriptExecution) => boolean,
  ): void {
    for (const se of this.listed<ScriptExecution>(this.informers.executions, namespace)) {
      const waiting = (se.status?.phase ?? 'Pending') === 'Pending';
      if (waiting && uses(se)) this.enqueue(SE, se as unknown as KubernetesObject);
    }
  }

  private credentialChanged(cc: CloudCredential): void {
    const { namespace = '', name = '' } = cc.metadata;
    this.queue.add(keyFor(CC, namespace, name));
    for (const other of this.listed<CloudCredential>(this.informers.credentials, namespace)) {
      if (other.spec.aws?.source.assumeRole?.sourceCredentialRef?.name === name) {
        this.queue.add(keyFor(CC, namespace, other.metadata.name ?? ''));
      }
    }
    this.enqueueWaitingExecutions(namespace, (se) =>
      se.spec.targets.some((t) => t.credentialRef.name === name),
    );
  }

  private scriptChanged(script: Script): void {
    const { namespace = '', name } = script.metadata;
    this.enqueueWaitingExecutions(namespace, (se) => se.spec.scriptRef?.name === name);
  }

  /**
   * A changed execution is reconciled, unless the event only echoes this process's own write; one
   * not started yet goes ahead of the polls of running ones, so its first send does not wait.
   */
  private executionChanged(kind: ChangeKind, se: ScriptExecution): void {
    const { namespace = '', name = '' } = se.metadata;
    const own = this.store.observed(se, kind === 'delete');
    if (kind === 'delete') {
      this.store.forget(namespace, name);
      return;
    }
    if (own) return;
    const fresh = !se.status?.startTime && !se.metadata.deletionTimestamp;
    this.queue.add(keyFor(SE, namespace, name), fresh);
  }

  private batchChanged(kind: ChangeKind, batch: ExecutionBatch): void {
    if (this.store.observed(batch, kind === 'delete')) return;
    const owner = batch.metadata.labels?.[EXECUTION_LABEL];
    if (owner) this.queue.add(keyFor(SE, batch.metadata.namespace ?? '', owner));
  }

  private secretChanged(namespace: string, name: string): void {
    for (const cc of this.listed<CloudCredential>(this.informers.credentials, namespace)) {
      const provider = this.providers.get(cc.spec.provider);
      if (provider?.secretsOf(cc).includes(name)) this.credentialChanged(cc);
    }
    this.enqueueWaitingExecutions(namespace, (se) =>
      (se.spec.secretParameters ?? []).some((p) => p.secretKeyRef.name === name),
    );
  }

  private reconcile(kind: string, namespace: string, name: string): Promise<WorkResult> {
    if (kind === SE) return this.executionReconciler.reconcile(namespace, name);
    return this.credentialReconciler.reconcile(namespace, name);
  }

  private async work(key: string): Promise<WorkResult> {
    const { kind, namespace, name } = parseKey(key);
    const end = this.metrics.reconcileDuration.startTimer({ kind });
    try {
      const result = await this.reconcile(kind, namespace, name);
      this.metrics.reconciles.inc({
        kind,
        result: result.requeueAfterMs === undefined ? 'success' : 'requeue',
      });
      return result;
    } catch (error) {
      this.metrics.reconciles.inc({ kind, result: 'error' });
      throw error;
    } finally {
      end();
      this.metrics.secretsFollowed.set(this.secrets.size);
    }
  }

  private onWorkError(key: string, error: unknown, attempt: number): void {
    const message = error instanceof Error ? error.message : String(error);
    const expected = error instanceof TransientFailure || error instanceof NotLeaderError;
    this.log[expected ? 'info' : 'error'](
      { key, attempt, err: message },
      'reconcile failed; retrying with backoff',
    );
  }
}
