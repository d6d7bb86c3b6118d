import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import type { ObjectRef } from './resources.js';

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  type: EventType;
  reason: string;
  message: string;
}

const COMPONENT = 'pcm-ops-operator';

/**
 * Records Kubernetes Events on PCM-Ops objects. Repeats of the same reason and message on the same
 * object within the process are folded into one Event with a count, as kubectl describe expects.
 */
export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly recent = new Map<string, { name: string; count: number }>();

  constructor(
    config: KubeConfig,
    private readonly log: Logger,
    private readonly host = process.env.HOSTNAME ?? 'local',
  ) {
    this.api = config.makeApiClient(CoreV1Api);
  }

  async record(object: ObjectRef, event: EventInput): Promise<void> {
    const key = `${object.metadata.uid}/${event.reason}/${event.message}`;
    try {
      const seen = this.recent.get(key);
      if (seen) await this.repeat(object, seen);
      else this.remember(key, await this.create(object, event));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn({ err: message, reason: event.reason }, 'could not record event');
    }
  }

  private async repeat(object: ObjectRef, seen: { name: string; count: number }): Promise<void> {
    seen.count++;
    await this.api.patchNamespacedEvent(
      {
        name: seen.name,
        namespace: object.metadata.namespace ?? 'default',
        body: { count: seen.count, lastTimestamp: new Date() },
      },
      mergePatch,
    );
  }

  private async create(object: ObjectRef, event: EventInput): Promise<string> {
    const { name = 'object', namespace = 'default', uid, resourceVersion } = object.metadata;
    const now = new Date();
    const body: CoreV1Event = {
      metadata: { generateName: `${name}.`, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name,
        namespace,
        uid,
        resourceVersion,
      },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: COMPONENT, host: this.host },
      reportingComponent: COMPONENT,
      reportingInstance: this.host,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const created = await this.api.createNamespacedEvent({ namespace, body });
    return created.metadata?.name ?? '';
  }

  private remember(key: string, name: string): void {
    if (this.recent.size > 5_000) this.recent.clear();
    this.recent.set(key, { name, count: 1 });
  }
}

/** Options that make a generated patch call send a JSON merge patch instead of a JSON patch. */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
