// Reading PCM-Ops objects from tests: get, wait for a condition, apply.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, KINDS, VERSION } from '@pcm-ops/crds';
import { waitFor } from '../infra/processes.js';

export interface ObjectCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export interface PcmObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; [key: string]: unknown };
  spec: Record<string, unknown>;
  status?: {
    conditions?: ObjectCondition[];
    [key: string]: unknown;
  };
}

export class Objects {
  private readonly api: CustomObjectsApi;

  constructor(
    readonly namespace: string,
    config: KubeConfig,
  ) {
    this.api = config.makeApiClient(CustomObjectsApi);
  }

  async get(plural: string, name: string): Promise<PcmObject> {
    return (await this.api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural,
      name,
    })) as PcmObject;
  }

  async list(plural: string): Promise<PcmObject[]> {
    const list = (await this.api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural,
    })) as { items: PcmObject[] };
    return list.items;
  }

  async create(object: Omit<PcmObject, 'apiVersion'>): Promise<PcmObject> {
    const plural =
      KINDS.find((k) => k.kind === object.kind)?.plural ?? `${object.kind.toLowerCase()}s`;
    return (await this.api.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural,
      body: { apiVersion: `${GROUP}/${VERSION}`, ...object },
    })) as PcmObject;
  }

  /** JSON merge patch of the object (spec or metadata). */
  async patch(plural: string, name: string, body: object): Promise<PcmObject> {
    const { setHeaderOptions, PatchStrategy } = await import('@kubernetes/client-node');
    return (await this.api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: this.namespace, plural, name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as PcmObject;
  }

  async delete(plural: string, name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural,
      name,
    });
  }

  /** Polls until `predicate` holds for the object, and returns it; the error shows its last status. */
  async waitFor(
    plural: string,
    name: string,
    predicate: (object: PcmObject) => boolean,
    timeoutMs = 60_000,
  ): Promise<PcmObject> {
    let last: PcmObject | undefined;
    try {
      return await waitFor(
        `${plural}/${name}`,
        async () => {
          last = await this.get(plural, name).catch(() => undefined);
          return last && predicate(last) ? last : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last status: ${JSON.stringify(last?.status)}`);
    }
  }

  /** Waits for condition `type` to have `status` (and `reason`, when given). */
  async waitForCondition(
    plural: string,
    name: string,
    want: { type: string; status: string; reason?: string },
    timeoutMs = 60_000,
  ): Promise<PcmObject> {
    return this.waitFor(
      plural,
      name,
      (o) =>
        o.status?.conditions?.some(
          (c) =>
            c.type === want.type &&
            c.status === want.status &&
            (want.reason === undefined || c.reason === want.reason) &&
            c.observedGeneration === o.metadata.generation,
        ) ?? false,
      timeoutMs,
    );
  }
}

export function condition(object: PcmObject, type: string): ObjectCondition | undefined {
  return object.status?.conditions?.find((c) => c.type === type);
}
