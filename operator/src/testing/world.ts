/**
 * A world for model-based tests of the execution engine: one fake API server and one fake SSM
 * shared by up to two operator processes, each with its own informer caches, its own real
 * KubeExecutionStore and its own real ScriptExecutionReconciler. Every call a process makes to
 * the API server or to SSM waits at a gate until the test's scheduler grants it, possibly with a
 * fault; so the test decides, call by call, which process goes next, what fails, when caches
 * catch up, when processes crash or pause, and how time passes.
 */
import type { CloudCredential, ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';
import { pino } from 'pino';
import { KubeExecutionStore, type CachedObjects, type ObjectApi } from '../k8s/execution-store.js';
import { NotLeaderError } from '../domain/store.js';
import { batchComment } from '../providers/aws/provider.js';
import type { BatchKey, Failure, Place, Provider, Result } from '../domain/provider.js';
import { awsPlaces } from '../providers/aws/places.js';
import type { ExecutionDeps } from '../reconcilers/execution/deps.js';
import { ScriptExecutionReconciler } from '../reconcilers/script-execution.js';
import { ApiError, FakeApiServer, type ChangeType, type FakeObject } from './fake-api-server.js';
import { FakeSsm, type Outcome } from './fake-ssm.js';

export const NAMESPACE = 'ops';
export const LEASE_MS = 3_000;
export const RENEW_DEADLINE_MS = 2_000;
/** Instances per page of resolution: small, so a location is planned over several pages. */
const PAGE = 40;

export type Fault = 'conflict' | 'lost' | 'error' | 'throttle' | 'permanent';

/** A process that died: every call it had waiting fails with this. */
export class Crash extends Error {}

export interface Pending {
  proc: Proc;
  label: string;
  grant: (fault: Fault | undefined) => void;
  kill: (error: unknown) => void;
}

/** One informer's cache, fed by the server's watch stream as fast as the test lets it. */
class FakeInformer implements CachedObjects<FakeObject> {
  private cache = new Map<string, FakeObject>();
  private readonly queue: { type: ChangeType; object: FakeObject }[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly server: FakeApiServer,
    private readonly plural: string,
    private readonly onEvent: (type: ChangeType, object: FakeObject) => void,
  ) {
    this.unsubscribe = server.subscribe((kind, type, object) => {
      if (kind === plural) this.queue.push({ type, object });
    });
    this.relist();
  }

  get lag(): number {
    return this.queue.length;
  }

  get(name: string, namespace?: string): FakeObject | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(namespace?: string): FakeObject[] {
    return [...this.cache.values()].filter((o) => o.metadata.namespace === namespace);
  }

  deliver(count: number): void {
    for (const { type, object } of this.queue.splice(0, count)) {
      const key = `${object.metadata.namespace}/${object.metadata.name}`;
      if (type === 'delete') this.cache.delete(key);
      else this.cache.set(key, object);
      this.onEvent(type, object);
    }
  }

  /** A fresh list, as after a watch restart: what was queued is superseded. */
  relist(): void {
    this.queue.length = 0;
    const fresh = new Map(
      this.server
        .snapshot(this.plural)
        .map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]),
    );
    for (const [key, object] of this.cache) if (!fresh.has(key)) this.onEvent('delete', object);
    for (const [key, object] of fresh)
      if (this.cache.get(key)?.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.onEvent('update', object);
    this.cache = fresh;
  }

  close(): void {
    this.unsubscribe();
  }
}

function failure(reason: string, transient: boolean, outcomeUnknown = false): Failure {
  return {
    reason,
    message: `injected ${reason}`,
    transient,
    ...(outcomeUnknown ? { outcomeUnknown } : {}),
  };
}

function fail<T>(f: Failure): Result<T> {
  return { ok: false, failure: f };
}

/** A read-only fault: throttled, lost or failing calls are transient; `permanent` is not. */
function readFault(fault: Fault | undefined): Failure | undefined {
  if (!fault || fault === 'conflict') return undefined;
  if (fault === 'permanent') return failure('AccessDenied', false);
  return failure(fault === 'throttle' ? 'Throttled' : 'AwsUnavailable', true);
}

export class Proc {
  alive = true;
  paused = false;
  leading = false;
  renewedAt = Number.NEGATIVE_INFINITY;
  /** Steps after a resume during which the process has not yet noticed its lost lease. */
  unaware = 0;
  task: Promise<void> | undefined;
  readonly informers: { executions: FakeInformer; batches: FakeInformer };
  readonly store: KubeExecutionStore;
  readonly reconciler: ScriptExecutionReconciler;

  constructor(
    private readonly world: World,
    readonly id: number,
  ) {
    const onEvent =
      (kind: 'execution' | 'batch') =>
      (type: ChangeType, object: FakeObject): void => {
        // the initial list, before the store exists, is what a synced cache starts from
        if (!this.store) return;
        this.store.observed(object, type === 'delete');
        if (kind === 'execution' && type === 'delete')
          this.store.forget(object.metadata.namespace!, object.metadata.name!);
      };
    this.informers = {
      executions: new FakeInformer(world.server, 'scriptexecutions', onEvent('execution')),
      batches: new FakeInformer(world.server, 'executionbatches', onEvent('batch')),
    };
    this.store = new KubeExecutionStore(
      { cache: this.informers.executions as never, api: this.api('scriptexecutions') as never },
      { cache: this.informers.batches as never, api: this.api('executionbatches') as never },
      () => {
        if (!this.mayAct()) throw new NotLeaderError('lease lost');
      },
    );
    this.reconciler = new ScriptExecutionReconciler(world.deps(this));
  }

  mayAct(): boolean {
    return this.alive && this.leading && this.world.now - this.renewedAt < RENEW_DEADLINE_MS;
  }

  /** Calls to the fake API server, each through the gate. */
  private api(plural: string): ObjectApi<FakeObject> {
    const server = this.world.server;
    const call = async <T>(label: string, apply: () => T, write = false): Promise<T> => {
      const fault = await this.world.gate(this, `${label} ${plural}`);
      if (fault === 'error') throw new ApiError(500, 'InternalError');
      if (fault === 'conflict' && write) throw new ApiError(409, 'Conflict');
      const result = apply();
      if (fault === 'lost' && write) throw new ApiError(504, 'Timeout');
      return result;
    };
    return {
      get: (ns, name) => call('get', () => server.get(plural, ns, name)),
      listLabelled: (ns, selector) => call('list', () => server.list(plural, ns, selector)),
      create: (ns, body) => call('create', () => server.create(plural, ns, body), true),
      patch: (ns, name, body) =>
        call(
          'patch',
          () => server.patch(plural, { namespace: ns, name }, body as never, false),
          true,
        ),
      patchStatus: (ns, name, body) =>
        call(
          'status',
          () => server.patch(plural, { namespace: ns, name }, body as never, true),
          true,
        ),
      delete: (ns, name, pre) =>
        call('delete', () => server.delete(plural, { namespace: ns, name }, pre), true),
    };
  }

  /**
   * SSM as this process sees it: through the gate, fenced by its lease on send. A credential
   * the world broke fails every call as a session would that cannot be had.
   */
  provider(): Provider {
    const { ssm } = this.world;
    const gate = async (label: string, place: Place): Promise<Failure | undefined> => {
      const fault = await this.world.gate(this, label);
      if (this.world.broken.has(place.credential)) return failure('CredentialNotFound', false);
      return readFault(fault);
    };
    const notUsed = (): never => {
      throw new Error('not used');
    };
    return {
      name: 'aws',
      validate: notUsed,
      validatedHere: () => false,
      secretsOf: () => [],
      version: notUsed,
      forget: () => undefined,
      targetProblem: () => undefined,
      places: awsPlaces,
      resolve: notUsed,
      resolvePage: async (place, _selector, cursor) => {
        const problem = await gate('resolvePage', place);
        if (problem) return fail(problem);
        const all = ssm.instances(place.scope, place.region);
        const at = Number(cursor ?? 0);
        const page = all.slice(at, at + PAGE);
        const instances = page.map((id) => ({
          instanceId: id,
          platform: 'Linux' as const,
          state: 'running',
        }));
        const next = at + PAGE < all.length ? String(at + PAGE) : undefined;
        return { ok: true, value: { instances, skipped: [], ...(next ? { next } : {}) } };
      },
      findSent: async (place, key) => {
        const problem = await gate('findSent', place);
        if (problem) return fail(problem);
        const found = ssm.find(place.scope, place.region, batchComment(key));
        return { ok: true, value: found?.commandId };
      },
      send: (place, key, ids) => this.send(place, key, ids),
      observe: async (place, commandId) => {
        const problem = await gate('observe', place);
        if (problem) return fail(problem);
        return { ok: true, value: ssm.invocations(commandId) };
      },
      cancel: async (place, commandId) => {
        const problem = await gate('cancel', place);
        if (problem) return fail(problem);
        ssm.cancel(commandId);
        return { ok: true, value: undefined };
      },
      output: notUsed,
    };
  }

  private async send(place: Place, key: BatchKey, ids: string[]): Promise<Result<string>> {
    const fault = await this.world.gate(this, 'send');
    if (this.world.broken.has(place.credential)) return fail(failure('CredentialNotFound', false));
    // the fence sits right before the wire: a process past its lease sends nothing
    if (!this.mayAct()) return fail(failure('NotLeader', true));
    if (fault === 'throttle') return fail(failure('Throttled', true));
    if (fault === 'permanent') return fail(failure('InvalidInstanceId', false));
    if (fault === 'error') return fail(failure('AwsUnavailable', true, true));
    const commandId = this.world.ssm.send(place.scope, place.region, batchComment(key), ids);
    // accepted, but the answer is lost on the way back
    if (fault === 'lost') return fail(failure('AwsUnavailable', true, true));
    return { ok: true, value: commandId };
  }

  kill(): void {
    this.alive = false;
    this.leading = false;
    this.informers.executions.close();
    this.informers.batches.close();
  }
}

export interface WorldOptions {
  fleet: Map<string, string[]>;
  outcome: (instanceId: string) => Outcome;
  /** Credentials by name, each reaching one account. */
  credentials: Record<string, string>;
}

export class World {
  now = 1_700_000_000_000;
  readonly server = new FakeApiServer(() => this.now);
  readonly ssm: FakeSsm;
  readonly procs: Proc[] = [];
  readonly pending: Pending[] = [];
  readonly unexpected: unknown[] = [];
  /** Credentials that no longer work (deleted, their access withdrawn). */
  readonly broken = new Set<string>();
  faults = true;
  lease: { holder: number | undefined; renewedAt: number } = { holder: undefined, renewedAt: 0 };
  private ids = 0;
  private readonly log = pino({ level: 'silent' });

  constructor(private readonly options: WorldOptions) {
    this.ssm = new FakeSsm(options.fleet, options.outcome, () => this.now);
  }

  gate(proc: Proc, label: string): Promise<Fault | undefined> {
    if (!proc.alive) return Promise.reject(new Crash('dead'));
    return new Promise((grant, kill) => this.pending.push({ proc, label, grant, kill }));
  }

  /** The waiting calls the scheduler may grant: those of processes that are not paused. */
  runnable(): Pending[] {
    return this.pending.filter((p) => !p.proc.paused);
  }

  grant(index: number, fault?: Fault): void {
    const runnable = this.runnable();
    if (runnable.length) this.grantCall(runnable[index % runnable.length]!, fault);
  }

  grantCall(chosen: Pending, fault?: Fault): void {
    this.pending.splice(this.pending.indexOf(chosen), 1);
    chosen.grant(this.faults ? fault : undefined);
  }

  start(): Proc | undefined {
    if (this.procs.filter((p) => p.alive).length >= 2) return undefined;
    const proc = new Proc(this, ++this.ids);
    this.procs.push(proc);
    return proc;
  }

  crash(proc: Proc): void {
    if (!proc.alive) return;
    proc.kill();
    for (const waiting of this.pending.filter((p) => p.proc === proc)) {
      this.pending.splice(this.pending.indexOf(waiting), 1);
      waiting.kill(new Crash('killed'));
    }
  }

  /** `proc` takes the lease if the holder has not renewed it for a whole lease duration. */
  takeover(proc: Proc): boolean {
    if (!proc.alive || proc.paused || proc.leading) return false;
    const free = this.lease.holder === undefined || this.now - this.lease.renewedAt > LEASE_MS;
    if (!free) return false;
    this.lease = { holder: proc.id, renewedAt: this.now };
    proc.leading = true;
    proc.renewedAt = this.now;
    return true;
  }

  renew(proc: Proc): void {
    if (!proc.alive || proc.paused || this.lease.holder !== proc.id || !proc.mayAct()) return;
    this.lease.renewedAt = this.now;
    proc.renewedAt = this.now;
  }

  /** A running process that could not renew notices and exits, as the operator does. */
  notice(): void {
    for (const proc of this.procs) {
      if (!proc.alive || proc.paused) continue;
      if (proc.unaware > 0) {
        proc.unaware--;
        continue;
      }
      if (proc.leading && this.now - proc.renewedAt >= RENEW_DEADLINE_MS) this.crash(proc);
    }
  }

  reconcile(proc: Proc): void {
    if (!proc.alive || proc.paused || !proc.leading || proc.task) return;
    proc.task = proc.reconciler
      .reconcile(NAMESPACE, 'run')
      .then(() => undefined)
      .catch((error: unknown) => {
        if (!expected(error)) this.unexpected.push(error);
      })
      .finally(() => {
        proc.task = undefined;
      });
  }

  execution(): ScriptExecution | undefined {
    return this.server.peek('scriptexecutions', NAMESPACE, 'run') as ScriptExecution | undefined;
  }

  /** The stored batches, not copied: for checks only. */
  batches(): readonly ExecutionBatch[] {
    return this.server.stored('executionbatches') as unknown as ExecutionBatch[];
  }

  /** The stored execution, not copied: for checks only. */
  storedExecution(): ScriptExecution | undefined {
    return this.server.stored('scriptexecutions')[0] as ScriptExecution | undefined;
  }

  credential(name: string): CloudCredential | undefined {
    const accountId = this.options.credentials[name];
    if (!accountId) return undefined;
    return {
      apiVersion: 'pcm-ops.io/v1alpha1',
      kind: 'CloudCredential',
      metadata: { name, namespace: NAMESPACE, uid: `cc-${name}` },
      spec: {
        provider: 'aws',
        aws: {
          partition: 'aws',
          defaultRegion: 'eu-west-1',
          source: {
            secretRef: {
              name: 'keys',
              accessKeyIdKey: 'a',
              secretAccessKeyKey: 's',
              sessionTokenKey: 't',
            },
          },
        },
      },
      status: {
        accountId,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Ready',
            message: '',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    };
  }

  deps(proc: Proc): ExecutionDeps {
    const provider = proc.provider();
    return {
      store: proc.store,
      lookups: { script: () => undefined, credential: (_ns, name) => this.credential(name) },
      secrets: { get: async () => undefined },
      providers: { get: (name) => (name === 'aws' ? provider : undefined), all: () => [provider] },
      events: { record: async () => undefined },
      log: this.log,
      now: () => new Date(this.now),
      pollMs: { min: 100, max: 1_000 },
      parallelism: 2,
      timing: {
        sendSettleMs: 1_000,
        unreachableGraceMs: 4_000,
        cancelGraceMs: 4_000,
        backoffMs: { min: 200, max: 2_000 },
      },
    };
  }
}

/** Errors a reconcile may end with in this world; any other is a bug. */
function expected(error: unknown): boolean {
  return error instanceof Crash || error instanceof ApiError || error instanceof NotLeaderError;
}

/** Lets every granted call run on until it waits at the next gate (or ends). */
export async function settle(): Promise<void> {
  // promise continuations are microtasks: all of them run before the next macrotask
  await new Promise((resolve) => setImmediate(resolve));
}
