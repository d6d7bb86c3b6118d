/**
 * An in-memory Kubernetes API server for model-based tests: objects with resourceVersions, merge
 * patches with resourceVersion preconditions (409 Conflict), the status subresource, finalizers
 * and deletionTimestamp, AlreadyExists, owner-reference garbage collection, and an ordered watch
 * stream per kind. Errors have the shape client-node's ApiException has.
 */
import type { Preconditions } from '../k8s/resources.js';

export interface FakeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    ownerReferences?: { uid?: string }[];
    finalizers?: string[];
    deletionTimestamp?: string;
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
}

export type ChangeType = 'add' | 'update' | 'delete';
export type WatchListener = (plural: string, type: ChangeType, object: FakeObject) => void;

export class ApiError extends Error {
  constructor(
    readonly code: number,
    reason: string,
    readonly body = JSON.stringify({ kind: 'Status', reason, code }),
  ) {
    super(`HTTP ${code} ${reason}`);
  }
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** RFC 7386 JSON merge patch: null removes, objects merge, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Json = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function holds(preconditions: Preconditions | undefined, object: FakeObject): boolean {
  const { uid, resourceVersion } = preconditions ?? {};
  if (uid && uid !== object.metadata.uid) return false;
  return !resourceVersion || resourceVersion === object.metadata.resourceVersion;
}

function matches(labels: Record<string, string> | undefined, selector: string): boolean {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [key, value] = term.split('=');
      return labels?.[key!] === value;
    });
}

export class FakeApiServer {
  private version = 0;
  private uids = 0;
  private readonly objects = new Map<string, FakeObject>();
  private readonly listeners = new Set<WatchListener>();

  constructor(private readonly now: () => number = Date.now) {}

  subscribe(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every object of a kind, as a list call returns them. */
  snapshot(plural: string): FakeObject[] {
    return this.stored(plural).map((object) => structuredClone(object));
  }

  /** The stored objects of a kind, not copied: for a test's checks, which must not change them. */
  stored(plural: string): readonly FakeObject[] {
    const found: FakeObject[] = [];
    for (const [key, object] of this.objects) if (key.startsWith(`${plural}/`)) found.push(object);
    return found;
  }

  peek(plural: string, namespace: string, name: string): FakeObject | undefined {
    const found = this.objects.get(this.key(plural, namespace, name));
    return found && structuredClone(found);
  }

  get(plural: string, namespace: string, name: string): FakeObject | undefined {
    return this.peek(plural, namespace, name);
  }

  list(plural: string, namespace: string, selector: string): FakeObject[] {
    return this.stored(plural)
      .filter((o) => o.metadata.namespace === namespace && matches(o.metadata.labels, selector))
      .map((o) => structuredClone(o));
  }

  create(plural: string, namespace: string, body: FakeObject): FakeObject {
    const key = this.key(plural, namespace, body.metadata.name!);
    if (this.objects.has(key)) throw new ApiError(409, 'AlreadyExists');
    const object: FakeObject = structuredClone({ ...body, status: undefined });
    delete object.status;
    object.metadata = {
      ...object.metadata,
      namespace,
      uid: `uid-${++this.uids}`,
      generation: 1,
      resourceVersion: this.nextVersion(),
    };
    this.objects.set(key, object);
    this.emit(plural, 'add', object);
    return structuredClone(object);
  }

  /** A merge patch of status only, or of metadata and spec; conditional when it names a version. */
  patch(
    plural: string,
    ref: { namespace: string; name: string },
    body: Json,
    status: boolean,
  ): FakeObject {
    const key = this.key(plural, ref.namespace, ref.name);
    const current = this.objects.get(key);
    if (!current) throw new ApiError(404, 'NotFound');
    const wanted = (body.metadata as Json | undefined)?.resourceVersion;
    if (wanted !== undefined && wanted !== current.metadata.resourceVersion)
      throw new ApiError(409, 'Conflict');
    const next = structuredClone(current);
    if (status) next.status = mergePatch(current.status, body.status);
    else this.patchMain(next, body);
    // as the API server does: a patch that changes nothing stores nothing and tells no watch
    if (JSON.stringify(next) === JSON.stringify(current)) return structuredClone(current);
    next.metadata.resourceVersion = this.nextVersion();
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      this.remove(plural, key, next);
    } else {
      this.objects.set(key, next);
      this.emit(plural, 'update', next);
    }
    return structuredClone(next);
  }

  private patchMain(next: FakeObject, body: Json): void {
    const metadata = { ...((body.metadata as Json | undefined) ?? {}) };
    delete metadata.resourceVersion;
    const before = JSON.stringify(next.spec);
    next.metadata = mergePatch(next.metadata, metadata) as FakeObject['metadata'];
    if (body.spec !== undefined) next.spec = mergePatch(next.spec, body.spec);
    if (JSON.stringify(next.spec) !== before)
      next.metadata.generation = (next.metadata.generation ?? 0) + 1;
  }

  delete(
    plural: string,
    ref: { namespace: string; name: string },
    preconditions?: Preconditions,
  ): void {
    const key = this.key(plural, ref.namespace, ref.name);
    const current = this.objects.get(key);
    if (!current) throw new ApiError(404, 'NotFound');
    if (!holds(preconditions, current)) throw new ApiError(409, 'Conflict');
    if (current.metadata.finalizers?.length) {
      if (current.metadata.deletionTimestamp) return;
      const next = structuredClone(current);
      next.metadata.deletionTimestamp = new Date(this.now()).toISOString();
      next.metadata.resourceVersion = this.nextVersion();
      this.objects.set(key, next);
      this.emit(plural, 'update', next);
      return;
    }
    this.remove(plural, key, current);
  }

  private remove(plural: string, key: string, object: FakeObject): void {
    this.objects.delete(key);
    this.emit(plural, 'delete', object);
    // the garbage collector: owned objects go with their owner
    for (const [childKey, child] of [...this.objects.entries()]) {
      if (child.metadata.ownerReferences?.some((o) => o.uid === object.metadata.uid))
        this.remove(childKey.split('/')[0]!, childKey, child);
    }
  }

  private key(plural: string, namespace: string, name: string): string {
    return `${plural}/${namespace}/${name}`;
  }

  private nextVersion(): string {
    return String(++this.version);
  }

  private emit(plural: string, type: ChangeType, object: FakeObject): void {
    // one copy for every watcher, as an informer's cache holds what the watch decoded; frozen,
    // so code that changes a cached object in place fails the test
    const copy = deepFreeze(structuredClone(object));
    for (const listener of this.listeners) listener(plural, type, copy);
  }
}
