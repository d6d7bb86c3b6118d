import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  type V1Secret,
} from '@kubernetes/client-node';
import { CLOUD_CREDENTIAL, type CloudCredential } from '@pcm-ops/crds';
import type { OperatorConfig } from './config.js';
import { EventRecorder } from './k8s/events.js';
import { ResilientInformer } from './k8s/informer.js';
import { LeaderElector } from './k8s/leader.js';
import { Resources } from './k8s/resources.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { SessionCache } from './providers/aws/sessions.js';
import { WorkQueue, type WorkResult } from './queue.js';
import { CloudCredentialReconciler, TransientFailure } from './reconcilers/cloud-credential.js';
import { startHttpServer } from './server.js';

export interface Operator {
  readonly metrics: Metrics;
  stop(): Promise<void>;
}

const CC = 'CloudCredential';

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

/** Wires informers, the work queue and the reconcilers; runs them only while leading. */
export class Manager implements Operator {
  readonly metrics = new Metrics();
  private readonly kc: KubeConfig;
  private readonly elector: LeaderElector;
  private readonly queue: WorkQueue;
  private readonly credentials: ResilientInformer<KubernetesObject>;
  private readonly secrets: ResilientInformer<V1Secret>;
  private readonly credentialReconciler: CloudCredentialReconciler;
  private server: Server | undefined;
  private synced = false;

  constructor(
    private readonly config: OperatorConfig,
    private readonly log: Logger,
  ) {
    this.kc = loadKubeConfig(config);
    const identity = config.PCM_OPS_IDENTITY ?? `${hostname()}-${process.pid}`;
    this.elector = new LeaderElector(
      this.kc,
      {
        namespace: config.PCM_OPS_POD_NAMESPACE,
        name: config.PCM_OPS_LEASE_NAME,
        identity,
        leaseDurationSeconds: config.PCM_OPS_LEASE_DURATION_SECONDS,
        renewDeadlineSeconds: config.PCM_OPS_RENEW_DEADLINE_SECONDS,
        retryPeriodSeconds: config.PCM_OPS_RETRY_PERIOD_SECONDS,
      },
      log,
    );
    this.queue = new WorkQueue((key) => this.work(key), {
      concurrency: config.PCM_OPS_WORKERS,
      baseBackoffMs: 500,
      maxBackoffMs: 60_000,
      onError: (key, error, attempt) => this.onWorkError(key, error, attempt),
      onDepth: (depth) => this.metrics.queueDepth.set({ kind: 'all' }, depth),
    });
    const namespace = config.PCM_OPS_NAMESPACE;
    const resources = new Resources<CloudCredential>(this.kc, CLOUD_CREDENTIAL, namespace);
    this.credentials = new ResilientInformer(this.kc, {
      path: resources.watchPath,
      list: () => resources.list() as never,
      onChange: (_kind, cc) => this.credentialChanged(cc as unknown as CloudCredential),
      log,
    });
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
    const sessions = new SessionCache({
      sources: {
        credential: (ns, name) => this.credential(ns, name),
        secret: (ns, name) => this.secrets.get(name, ns),
      },
      ambient: fromNodeProviderChain(),
      endpoint: config.PCM_OPS_AWS_ENDPOINT_URL,
      observe,
      refreshBeforeExpiryMs: config.PCM_OPS_REFRESH_BEFORE_EXPIRY_SECONDS * 1000,
      maxChainDepth: config.PCM_OPS_MAX_CHAIN_DEPTH,
    });
    this.credentialReconciler = new CloudCredentialReconciler({
      get: (ns, name) => this.credential(ns, name),
      sessions,
      resources,
      events: new EventRecorder(this.kc, log, identity),
      log,
      validationIntervalMs: config.PCM_OPS_VALIDATION_INTERVAL_SECONDS * 1000,
      refreshBeforeExpiryMs: config.PCM_OPS_REFRESH_BEFORE_EXPIRY_SECONDS * 1000,
      endpoint: config.PCM_OPS_AWS_ENDPOINT_URL,
      observe,
    });
  }

  /** Serves health and metrics at once, then campaigns for the lease and runs while leading. */
  async start(onLostLeadership: () => void): Promise<void> {
    this.server = await startHttpServer(
      this.metrics,
      { live: () => true, ready: () => this.synced || !this.elector.isLeader },
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

  private async lead(): Promise<void> {
    this.metrics.leader.set(1);
    await Promise.all([this.secrets.start(), this.credentials.start()]);
    this.synced = true;
    this.log.info('caches synced; reconciling');
  }

  async stop(): Promise<void> {
    await this.queue.shutdown();
    await Promise.all([this.credentials.stop(), this.secrets.stop()]);
    await this.elector.release();
    this.metrics.leader.set(0);
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private credential(namespace: string, name: string): CloudCredential | undefined {
    return this.credentials.get(name, namespace) as unknown as CloudCredential | undefined;
  }

  private credentialsIn(namespace: string): CloudCredential[] {
    return this.credentials.list(namespace) as unknown as CloudCredential[];
  }

  private credentialChanged(cc: CloudCredential): void {
    const { namespace = '', name = '' } = cc.metadata;
    this.queue.add(keyFor(CC, namespace, name));
    for (const other of this.credentialsIn(namespace)) {
      if (other.spec.aws?.source.assumeRole?.sourceCredentialRef?.name === name) {
        this.queue.add(keyFor(CC, namespace, other.metadata.name ?? ''));
      }
    }
  }

  private secretChanged(secret: V1Secret): void {
    const namespace = secret.metadata?.namespace ?? '';
    for (const cc of this.credentialsIn(namespace)) {
      if (cc.spec.aws?.source.secretRef?.name === secret.metadata?.name) this.credentialChanged(cc);
    }
  }

  private async work(key: string): Promise<WorkResult> {
    const { kind, namespace, name } = parseKey(key);
    const end = this.metrics.reconcileDuration.startTimer({ kind });
    try {
      const result = await this.credentialReconciler.reconcile(namespace, name);
      this.metrics.reconciles.inc({ kind, result: result.requeueAfterMs ? 'requeue' : 'success' });
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
    const level = error instanceof TransientFailure ? 'info' : 'error';
    this.log[level]({ key, attempt, err: message }, 'reconcile failed; retrying with backoff');
  }
}
