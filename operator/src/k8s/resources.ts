import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION, type KindDefinition } from '@pcm-ops/crds';
import { mergePatch } from './events.js';

/** Reads and writes one PCM-Ops kind through the custom objects API. */
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

  async list(): Promise<ObjectList<T>> {
    const common = { group: GROUP, version: VERSION, plural: this.definition.plural };
    const list = this.namespace
      ? await this.api.listNamespacedCustomObject({ ...common, namespace: this.namespace })
      : await this.api.listClusterCustomObject(common);
    return list as ObjectList<T>;
  }

  /** Merge-patches the status subresource; returns the stored object. */
  async patchStatus(namespace: string, name: string, status: object): Promise<T> {
    return (await this.api.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        plural: this.definition.plural,
        namespace,
        name,
        body: { status },
      },
      mergePatch,
    )) as T;
  }

  /** Merge-patches the object itself (metadata such as finalizers, or spec). */
  async patch(namespace: string, name: string, body: object): Promise<T> {
    return (await this.api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: this.definition.plural, namespace, name, body },
      mergePatch,
    )) as T;
  }

  async create(namespace: string, body: T): Promise<T> {
    return (await this.api.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: this.definition.plural,
      namespace,
      body,
    })) as T;
  }

  async delete(namespace: string, name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: this.definition.plural,
      namespace,
      name,
    });
  }

  async deleteCollection(namespace: string, labelSelector: string): Promise<void> {
    await this.api.deleteCollectionNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: this.definition.plural,
      namespace,
      labelSelector,
    });
  }
}
