import type { ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import { ConflictError, EXECUTION_LABEL } from '../domain/store.js';
import { FakeApiServer, type FakeObject } from '../testing/fake-api-server.js';
import { KubeExecutionStore, type CachedObjects, type ObjectApi } from './execution-store.js';

const NS = 'ops';

/** An informer cache that holds what the test delivers, and nothing else. */
class LaggingCache implements CachedObjects<FakeObject> {
  private readonly objects = new Map<string, FakeObject>();
  private readonly queue: { deleted: boolean; object: FakeObject }[] = [];

  constructor(
    server: FakeApiServer,
    plural: string,
    private readonly onEvent: (object: FakeObject, deleted: boolean) => void,
  ) {
    server.subscribe((kind, type, object) => {
      if (kind === plural) this.queue.push({ deleted: type === 'delete', object });
    });
  }

  deliver(): void {
    for (const { deleted, object } of this.queue.splice(0)) {
      if (deleted) this.objects.delete(object.metadata.name!);
      else this.objects.set(object.metadata.name!, object);
      this.onEvent(object, deleted);
    }
  }

  get(name: string): FakeObject | undefined {
    return this.objects.get(name);
  }

  list(): FakeObject[] {
    return [...this.objects.values()];
  }
}

/** Runs after the API server has acted on a request and before its answer reaches the store. */
interface Hooks {
  beforeAnswer: () => void;
}

function api(
  server: FakeApiServer,
  plural: string,
  calls: string[],
  hooks: Hooks = { beforeAnswer: () => undefined },
): ObjectApi<FakeObject> {
  const ref = (namespace: string, name: string): { namespace: string; name: string } => ({
    namespace,
    name,
  });
  const log = <T>(what: string, run: () => T): Promise<T> => {
    calls.push(`${what} ${plural}`);
    return Promise.resolve()
      .then(run)
      .then((answer) => {
        hooks.beforeAnswer();
        return answer;
      });
  };
  return {
    get: (ns, name) => log('get', () => server.get(plural, ns, name)),
    listLabelled: (ns, selector) => log('list', () => server.list(plural, ns, selector)),
    create: (ns, body) => log('create', () => server.create(plural, ns, body)),
    patch: (ns, name, body) =>
      log('patch', () => server.patch(plural, ref(ns, name), body as never, false)),
    patchStatus: (ns, name, body) =>
      log('status', () => server.patch(plural, ref(ns, name), body as never, true)),
    delete: (ns, name, pre) => log('delete', () => server.delete(plural, ref(ns, name), pre)),
  };
}

function setup() {
  const server = new FakeApiServer();
  const calls: string[] = [];
  const hooks: Hooks = { beforeAnswer: () => undefined };
  const observers: ((object: FakeObject, deleted: boolean) => void)[] = [];
  const observe = (object: FakeObject, deleted: boolean): void =>
    observers.forEach((o) => o(object, deleted));
  const executions = new LaggingCache(server, 'scriptexecutions', observe);
  const batches = new LaggingCache(server, 'executionbatches', observe);
  const store = new KubeExecutionStore(
    { cache: executions as never, api: api(server, 'scriptexecutions', calls, hooks) as never },
    { cache: batches as never, api: api(server, 'executionbatches', calls, hooks) as never },
  );
  observers.push((object, deleted) => store.observed(object, deleted));
  const se = server.create('scriptexecutions', NS, {
    metadata: { name: 'run' },
    spec: { targets: [] },
  }) as unknown as ScriptExecution;
  const batch = server.create('executionbatches', NS, {
    metadata: {
      name: 'run-0',
      labels: { [EXECUTION_LABEL]: 'run' },
      ownerReferences: [{ uid: se.metadata.uid }],
    },
    spec: { executionName: 'run', index: 0, instanceIds: ['i-1'] },
  }) as unknown as ExecutionBatch;
  const deliver = (): void => {
    executions.deliver();
    batches.deliver();
  };
  deliver();
  calls.length = 0;
  return { server, store, calls, se, batch, deliver, hooks };
}

describe('KubeExecutionStore', () => {
  it('reads the caches, with no request, while they hold everything this process wrote', async () => {
    const { store, calls } = setup();
    const snapshot = await store.read(NS, 'run');
    expect(snapshot?.batches.map((b) => b.metadata.name)).toEqual(['run-0']);
    expect(calls).toEqual([]);
  });

  it('never hands out a copy older than its own last write: the batch it marked Sending is not shown Planned', async () => {
    const { store, batch, calls, deliver } = setup();
    // the informer still holds the batch as it was (Planned); the write returns Sending
    await store.writeBatchStatus(batch, { phase: 'Sending' });
    const read = await store.read(NS, 'run');
    expect(read?.batches[0]?.status).toMatchObject({ phase: 'Sending' });
    expect(calls).toEqual([
      'status executionbatches',
      'get scriptexecutions',
      'list executionbatches',
    ]);
    // once the watch delivered that very write, the caches are trusted again
    deliver();
    calls.length = 0;
    expect((await store.read(NS, 'run'))?.batches[0]?.status).toMatchObject({ phase: 'Sending' });
    expect(calls).toEqual([]);
    expect(store.freshness.size).toBe(0);
  });

  it('awaits no echo that came before the answer: the next read is from the caches', async () => {
    const { store, se, batch, calls, deliver, hooks } = setup();
    // the watch is often quicker than the response: the informer has the new version first
    hooks.beforeAnswer = deliver;
    const created = await store.createBatch({
      ...batch,
      metadata: { ...batch.metadata, name: 'run-1', uid: undefined, resourceVersion: undefined },
    });
    const sending = await store.writeBatchStatus(created, { phase: 'Sending' });
    await store.writeStatus(se, { phase: 'Running' });
    await store.deleteBatches([sending]);
    calls.length = 0;
    const read = await store.read(NS, 'run');
    expect(read?.execution.status).toMatchObject({ phase: 'Running' });
    expect(read?.batches.map((b) => b.metadata.name)).toEqual(['run-0']);
    expect(calls).toEqual([]);
    expect(store.freshness.size).toBe(0);
  });

  it('awaits no echo of a write that changed nothing (the API server sends none)', async () => {
    const { store, batch, calls, deliver } = setup();
    const sending = await store.writeBatchStatus(batch, { phase: 'Sending' });
    deliver();
    const again = await store.writeBatchStatus(sending, { phase: 'Sending' });
    expect(again.metadata.resourceVersion).toBe(sending.metadata.resourceVersion);
    deliver();
    calls.length = 0;
    expect((await store.read(NS, 'run'))?.batches[0]?.status).toMatchObject({ phase: 'Sending' });
    expect(calls).toEqual([]);
  });

  it('still reads live while the echo of its own write has not come', async () => {
    const { store, se, calls } = setup();
    await store.writeStatus(se, { phase: 'Running' });
    calls.length = 0;
    expect((await store.read(NS, 'run'))?.execution.status).toMatchObject({ phase: 'Running' });
    expect(calls).toEqual(['get scriptexecutions', 'list executionbatches']);
  });

  it('refuses a write computed from a copy someone has changed since, and reads live afterwards', async () => {
    const { store, server, batch, calls } = setup();
    server.patch(
      'executionbatches',
      { namespace: NS, name: 'run-0' },
      { status: { phase: 'Sent' } },
      true,
    );
    await expect(store.writeBatchStatus(batch, { phase: 'Sending' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(server.get('executionbatches', NS, 'run-0')?.status).toMatchObject({ phase: 'Sent' });
    calls.length = 0;
    const read = await store.read(NS, 'run');
    expect(read?.batches[0]?.status).toMatchObject({ phase: 'Sent' });
    expect(calls).toContain('list executionbatches');
  });

  it('makes the next read live after a write whose answer never came', async () => {
    const { store, se, calls } = setup();
    const failing = new KubeExecutionStore(
      {
        cache: { get: () => se, list: () => [se] },
        api: { patchStatus: () => Promise.reject(new Error('socket hang up')) } as never,
      },
      { cache: { get: () => undefined, list: () => [] }, api: {} as never },
    );
    await expect(failing.writeStatus(se, { phase: 'Running' })).rejects.toThrow('socket hang up');
    expect(failing.freshness.trusts(`${NS}/run`)).toBe(false);
    expect(store.freshness.trusts(`${NS}/run`)).toBe(true);
    expect(calls).toEqual([]);
  });

  it('tells a cached copy that another process has written since from the stored one, and reads live afterwards', async () => {
    const { store, server, se, calls } = setup();
    expect(await store.isCurrent(se)).toBe(true);
    // another leader started the run; this process's cache has not seen it yet
    server.patch(
      'scriptexecutions',
      { namespace: NS, name: 'run' },
      { status: { phase: 'Running' } },
      true,
    );
    expect((await store.read(NS, 'run'))?.execution.status).toBeUndefined();
    expect(await store.isCurrent(se)).toBe(false);
    calls.length = 0;
    expect((await store.read(NS, 'run'))?.execution.status).toMatchObject({ phase: 'Running' });
    expect(calls).toEqual(['get scriptexecutions', 'list executionbatches']);
  });

  it('creates a batch once, and answers a second create with the stored one', async () => {
    const { store, se } = setup();
    const body = {
      apiVersion: 'pcm-ops.io/v1alpha1',
      kind: 'ExecutionBatch',
      metadata: {
        name: 'run-1',
        namespace: NS,
        labels: { [EXECUTION_LABEL]: 'run' },
        ownerReferences: [{ uid: se.metadata.uid }],
      },
      spec: { executionName: 'run', index: 1, instanceIds: ['i-2'] },
    } as unknown as ExecutionBatch;
    const first = await store.createBatch(body);
    const again = await store.createBatch(body);
    expect(again.metadata.uid).toBe(first.metadata.uid);
    expect((await store.read(NS, 'run'))?.batches.map((b) => b.metadata.name).sort()).toEqual([
      'run-0',
      'run-1',
    ]);
  });

  it('deletes a batch only while it is the copy given', async () => {
    const { store, server, batch } = setup();
    server.patch(
      'executionbatches',
      { namespace: NS, name: 'run-0' },
      { status: { phase: 'Sent' } },
      true,
    );
    await expect(store.deleteBatches([batch])).rejects.toBeInstanceOf(ConflictError);
    expect(server.get('executionbatches', NS, 'run-0')).toBeDefined();
  });

  it('refuses every write once the guard says this process may no longer act', async () => {
    const server = new FakeApiServer();
    const store = new KubeExecutionStore(
      {
        cache: { get: () => undefined, list: () => [] },
        api: api(server, 'scriptexecutions', []) as never,
      },
      {
        cache: { get: () => undefined, list: () => [] },
        api: api(server, 'executionbatches', []) as never,
      },
      () => {
        throw new Error('lease lost');
      },
    );
    const se = server.create('scriptexecutions', NS, {
      metadata: { name: 'x' },
      spec: {},
    }) as never;
    await expect(store.writeStatus(se, { phase: 'Running' })).rejects.toThrow('lease lost');
    expect(server.get('scriptexecutions', NS, 'x')?.status).toBeUndefined();
  });
});
