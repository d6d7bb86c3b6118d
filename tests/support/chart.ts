// Renders the Helm chart charts/pcm-ops with the control plane's own helm, for the chart tests.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { inject } from 'vitest';

export const repoRoot = path.join(import.meta.dirname, '..', '..');
export const chartDir = path.join(repoRoot, 'charts', 'pcm-ops');
export const KUBE_VERSION = '1.35.4';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

export function helm(args: string[]): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(
      path.join(inject('kubeBinDir'), 'helm'),
      args,
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
    );
  });
}

/** `helm template <release> charts/pcm-ops`; throws with helm's message when it refuses. */
export async function render(
  release: string,
  namespace: string,
  extra: string[] = [],
): Promise<string> {
  const result = await helm([
    'template',
    release,
    chartDir,
    '--namespace',
    namespace,
    '--kube-version',
    KUBE_VERSION,
    ...extra,
  ]);
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout;
}

export function manifests(yaml: string): Manifest[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => Boolean(doc?.kind));
}

export function find(docs: Manifest[], kind: string, nameSuffix = ''): Manifest {
  const found = docs.find((d) => d.kind === kind && d.metadata.name.endsWith(nameSuffix));
  if (!found) throw new Error(`the chart rendered no ${kind} named *${nameSuffix}`);
  return found;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export interface Container {
  name: string;
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
}

/** The first container of a rendered Deployment. */
export function container(deployment: Manifest): Container {
  const spec = deployment.spec as { template: { spec: { containers: Container[] } } };
  return spec.template.spec.containers[0]!;
}
