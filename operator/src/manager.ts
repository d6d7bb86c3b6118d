import { hostname } from 'node:os';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { KubernetesAccess } from './api/access.js';
import { handleApi, type ApiDeps } from './api/routes.js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  type V1Secret,
} from '@kubernetes/client-node';
import {
  CLOUD_CREDENTIAL,
  EXECUTION_BATCH,
  SCRIPT,
  SCRIPT_EXECUTION,
  type CloudCredential,
  type ExecutionBatch,
  type Script,
  type ScriptExecution,
} from '@pcm-ops/crds';
import type { OperatorConfig } from './config.js';
import { EventRecorder } from './k8s/events.js';
import { KubeExecutionStore } from './k8s/execution-store.js';
import { ResilientInformer } from './k8s/informer.js';
import { LeaderElector } from './k8s/leader.js';
import { Resources } from './k8s/resources.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { AwsExecutionProvider } from './providers/aws/provider.js';
import { SessionCache } from './providers/aws/sessions.js';
import { WorkQueue, type WorkResult } from './queue.js';
import { CloudCredentialReconciler, TransientFailure } from './reconcilers/cloud-credential.js';
import { EXECUTION_LABEL } from './reconcilers/execution/deps.js';
import { TransientStepError } from './reconcilers/execution/run.js';
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

/** Wires informers, the work queue and the reconcilers; runs them only while leading. */
export class Manager implements Operator {
  readonly metrics = new Metrics();
  private readonly kc: KubeConfig;
  private readonly elector: LeaderElector;
  private readonly queue: WorkQueue;
  private readonly informers: Record<
    'credentials' | 'scripts' | 'executions' | 'batches',
    Informer
  >;
  private readonly secrets: ResilientInformer<V1Secret>;
  private readonly credentialReconciler: CloudCredentialReconciler;
  private readonly executionReconciler: ScriptExecutionReconciler;
  private readonly api: ApiDeps;
  private readonly store: KubeExecutionStore;
  private server: Server | undefined;
  private synced = false;

  constructor(
    private readonly config: OperatorConfig,
    private readonly log: Logger,
  ) {
    this.kc = loadKubeConfig(config);
    const identity = config.PCM_OPS_IDENTITY ?? `${hostname()}-${process.pid}`;
    this.elector = new LeaderElector(this.kc, this.leaseOptions(identity), log);
    this.queue = new WorkQueue((key) => this.work(key), {
      concurrency: config.PCM_OPS_WORKERS,
      baseBackoffMs: 500,
      maxBackoffMs: 60_000,
      onError: (key, error, attempt) => this.onWorkError(key, error, attempt),
      onDepth: (depth) => this.metrics.queueDepth.set({ kind: 'all' }, depth),
    });
    const namespace = config.PCM_OPS_NAMESPACE;
    const resources = {
      credentials: new Resources<CloudCredential>(this.kc, CLOUD_CREDENTIAL, namespace),
      scripts: new Resources<Script>(this.kc, SCRIPT, namespace),
      executions: new Resources<ScriptExecution>(this.kc, SCRIPT_EXECUTION, namespace),
      batches: new Resources<ExecutionBatch>(this.kc, EXECUTION_BATCH, namespace),
    };
    this.informers = {
      credentials: this.informerFor(resources.credentials, (o) =>
        this.credentialChanged(o as unknown as CloudCredential),
      ),
      scripts: this.informerFor(resources.scripts, (o) =>
        this.scriptChanged(o as unknown as Script),
      ),
      executions: this.informerFor(resources.executions, (o) =>
        this.executionChanged(o as unknown as ScriptExecution),
      ),
      batches: this.informerFor(resources.batches, (o) =>
        this.batchChanged(o as unknown as ExecutionBatch),
      ),
    };
    const core = this.kc.makeApiClient(CoreV1Api);
    this.secrets = new ResilientInformer<V1Secret>(this.kc, {
      path: namespace ? `/api/v1/namespaces/${namespace}/secrets` : '/api/v1/secrets',
      list: () =>
        namespace ? core.listNamespacedSecret({ namespace }) : core.listSecretForAllNamespaces(),
      onChange: (_kind, secret) => this.secretChanged(secret),
      log,
    });
    const observe = (call: { service: string; operation: string; outcome: string }): void => {
      this.metrics.awsCalls.inc(call);
    };
    const endpoint = config.PCM_OPS_AWS_ENDPOINT_URL;
    const sessions = new SessionCache({
      sources: {
        credential: (ns, name) => this.credential(ns, name),
        secret: (ns, name) => this.secrets.get(name, ns),
      },
      ambient: fromNodeProviderChain(),
      endpoint,
      observe,
      refreshBeforeExpiryMs: config.PCM_OPS_REFRESH_BEFORE_EXPIRY_SECONDS * 1000,
      maxChainDepth: config.PCM_OPS_MAX_CHAIN_DEPTH,
    });
    const events = new EventRecorder(this.kc, log, identity);
    this.credentialReconciler = new CloudCredentialReconciler({
      get: (ns, name) => this.credential(ns, name),
      sessions,
      resources: resources.credentials,
      events,
      log,
      validationIntervalMs: config.PCM_OPS_VALIDATION_INTERVAL_SECONDS * 1000,
      refreshBeforeExpiryMs: config.PCM_OPS_REFRESH_BEFORE_EXPIRY_SECONDS * 1000,
      endpoint,
      observe,
    });
    const store = (this.store = new KubeExecutionStore(
      { informer: this.informers.executions, resources: resources.executions },
      { informer: this.informers.batches, resources: resources.batches },
    ));
    const lookups = {
      script: (ns: string, name: string) =>
        this.informers.scripts.get(name, ns) as unknown as Script | undefined,
      credential: (ns: string, name: string) => this.credential(ns, name),
      secret: (ns: string, name: string) => this.secrets.get(name, ns),
    };
    const provider = new AwsExecutionProvider({ endpoint, observe });
    this.api = { access: new KubernetesAccess(this.kc), store, lookups, sessions, provider };
    this.executionReconciler = new ScriptExecutionReconciler({
      store,
      lookups,
      sessions,
      provider,
      events,
      log,
      now: () => new Date(),
      pollMs: { min: config.PCM_OPS_POLL_MIN_MS, max: config.PCM_OPS_POLL_MAX_MS },
      parallelism: config.PCM_OPS_AWS_PARALLELISM,
      countPoll: () => this.metrics.commandPolls.inc(),
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
    onChange: (object: KubernetesObject) => void,
  ): Informer {
    return new ResilientInformer<KubernetesObject>(this.kc, {
      path: resources.watchPath,
      list: () => resources.list() as never,
      onChange: (_kind, object) => onChange(object),
      log: this.log,
    });
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

  private async lead(): Promise<void> {
    this.metrics.leader.set(1);
    await Promise.all([
      this.secrets.start(),
      ...Object.values(this.informers).map((i) => i.start()),
    ]);
    this.synced = true;
    this.log.info('caches synced; reconciling');
  }

  async stop(): Promise<void> {
    await this.queue.shutdown();
    await Promise.all([this.secrets.stop(), ...Object.values(this.informers).map((i) => i.stop())]);
    await this.elector.release();
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

  /** Executions not yet started that use a changed object are resolved again. */
  private enqueueWaitingExecutions(
    namespace: string,
    uses: (se: ScriptExecution) => boolean,
  ): void {
    for (const se of this.listed<ScriptExecution>(this.informers.executions, namespace)) {
      if (uses(se)) this.enqueue(SE, se as unknown as KubernetesObject);
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
   * A changed execution is reconciled; one not started yet goes ahead of the polls of running ones,
   * so a new execution's first send does not wait behind them.
   */
  private executionChanged(se: ScriptExecution): void {
    if (this.store.isOwnExecutionWrite(se)) return;
    const fresh = !se.status?.startTime && !se.metadata.deletionTimestamp;
    this.queue.add(keyFor(SE, se.metadata.namespace ?? '', se.metadata.name ?? ''), fresh);
  }

  private batchChanged(batch: ExecutionBatch): void {
    if (this.store.isOwnBatchWrite(batch)) return;
    const owner = batch.metadata.labels?.[EXECUTION_LABEL];
    if (owner) this.queue.add(keyFor(SE, batch.metadata.namespace ?? '', owner));
  }

  private secretChanged(secret: V1Secret): void {
    const namespace = secret.metadata?.namespace ?? '';
    const name = secret.metadata?.name;
    for (const cc of this.listed<CloudCredential>(this.informers.credentials, namespace)) {
      if (cc.spec.aws?.source.secretRef?.name === name) this.credentialChanged(cc);
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
    }
  }

  private onWorkError(key: string, error: unknown, attempt: number): void {
    const message = error instanceof Error ? error.message : String(error);
    const transient = error instanceof TransientFailure || error instanceof TransientStepError;
    this.log[transient ? 'info' : 'error'](
      { key, attempt, err: message },
      'reconcile failed; retrying with backoff',
    );
  }
}
