// The benchmark's own Kubernetes requests go through here and are counted, so that they can be
// taken out of the API server's request totals.
import type { KubeConfig } from '@kubernetes/client-node';
import { Objects, type PcmObject } from '../support/objects.js';

export type { PcmObject };

let own = 0;

/** Requests this process has sent to the API server through BenchObjects so far. */
export function ownRequests(): number {
  return own;
}

/** Counts one request made outside BenchObjects (a Secret, a namespace). */
export function countOwnRequest(): void {
  own += 1;
}

/** Objects' create, get and list, each counted. */
export class BenchObjects {
  private readonly objects: Objects;

  constructor(
    readonly namespace: string,
    config: KubeConfig,
  ) {
    this.objects = new Objects(namespace, config);
  }

  create(object: Omit<PcmObject, 'apiVersion'>): Promise<PcmObject> {
    own += 1;
    return this.objects.create(object);
  }

  get(plural: string, name: string): Promise<PcmObject> {
    own += 1;
    return this.objects.get(plural, name);
  }

  list(plural: string): Promise<PcmObject[]> {
    own += 1;
    return this.objects.list(plural);
  }
}

/** A ScriptExecution over the instances tagged Bench=<tag> behind the given credentials. */
export function executionManifest(
  name: string,
  targets: { account: string; regions: string[]; tag?: string; instanceIds?: string[] }[],
  body: string,
): Omit<PcmObject, 'apiVersion'> {
  return {
    kind: 'ScriptExecution',
    metadata: { name },
    spec: {
      script: { interpreter: 'bash', body },
      targets: targets.map((t) => ({
        credentialRef: { name: `acct-${t.account}` },
        regions: t.regions,
        ...(t.instanceIds ? { instanceIds: t.instanceIds } : { tags: { Bench: [t.tag ?? ''] } }),
      })),
    },
  };
}

export function isFinished(execution: PcmObject): boolean {
  return Boolean(execution.status?.completionTime);
}

/** Milliseconds from `createdAt` (this machine's clock) to the status' completionTime. */
export function runMs(execution: PcmObject, createdAt: number): number {
  return Date.parse(String(execution.status?.completionTime)) - createdAt;
}
