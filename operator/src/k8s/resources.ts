import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION, type KindDefinition } from '@pcm-ops/crds';
import { isNotFound } from './errors.js';
import { requestOptions } from './request-options.js';

/** The object shape our kinds share, without client-node's generated metadata types. */
export interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface ObjectList<T> {
  metadata?: { resourceVersion?: string };
  items: T[];
}

/** What a delete must still find true, or it is refused with a 409. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/**
 * Reads and writes one PCM-Ops kind through the custom objects API. Reads here go to the API
 * server (a consistent read from etcd), never to a cache. A patch whose body carries
 * `metadata.resourceVersion` is applied only to that version: the API server answers 409
 * Conflict when the stored object has moved on, which is how every write of the operator is
 * made conditional on the copy it was computed from.
 */
export class Resources<T extends ObjectRef> {
  private readonly api: CustomObjectsApi;

  constructor(
    config: KubeConfig,
    private readonly definition: KindDefinition,
    private readonly namespace?: string,
  ) {
    this.api = config.makeApiClient(CustomObjectsApi);
  }

  /** Watch path for an informer: one namespace or all. */
  get watchPath(): string {
    const scope = this.namespace ? `/namespaces/${this.namespace}` : '';
    return `/apis/${GROUP}/${VERSION}${scope}/${this.definition.plural}`;
  }

  private get common(): { group: string; version: string; plural: string } {
    return { group: GROUP, version: VERSION, plural: this.definition.plural };
  }

  /** Everything the operator watches (the informer's list). */
  async list(): Promise<ObjectList<T>> {
    const list = this.namespace
      ? await this.api.listNamespacedCustomObject(
          { ...this.common, namespace: this.namespace },
          requestOptions(),
        )
      : await this.api.listClusterCustomObject(this.common, requestOptions());
    return list as ObjectList<T>;
  }

  /** The objects of one namespace that carry the labels, read from the API server. */
  async listLabelled(namespace: string, labelSelector: string): Promise<T[]> {
    const list = (await this.api.listNamespacedCustomObject(
      { ...this.common, namespace, labelSelector },
      requestOptions(),
    )) as ObjectList<T>;
    return list.items;
  }

  /** The stored object, or undefined when there is none. */
  async get(namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject(
        { ...this.common, namespace, name },
        requestOptions(),
      )) as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Merge-patches the status subresource; returns the stored object. */
  async patchStatus(namespace: string, name: string, body: object): Promise<T> {
    return (await this.api.patchNamespacedCustomObjectStatus(
      { ...this.common, namespace, name, body },
      requestOptions({ mergePatch: true }),
    )) as T;
  }

  /** Merge-patches the object itself (metadata such as finalizers, or spec). */
  async patch(namespace: string, name: string, body: object): Promise<T> {
    return (await this.api.patchNamespacedCustomObject(
      { ...this.common, namespace, name, body },
      requestOptions({ mergePatch: true }),
    )) as T;
  }

  async create(namespace: string, body: T): Promise<T> {
    return (await this.api.createNamespacedCustomObject(
      { ...this.common, namespace, body },
      requestOptions(),
    )) as T;
  }

  async delete(namespace: string, name: string, preconditions?: Preconditions): Promise<void> {
    await this.api.deleteNamespacedCustomObject(
      { ...this.common, namespace, name, body: preconditions ? { preconditions } : undefined },
      requestOptions(),
    );
  }
}
