// What integration tests use to talk to the local control plane started by the global setup.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, inject } from 'vitest';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the control plane's own kubectl as the admin user; never throws on a non-zero exit. */
export function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  const binary = path.join(inject('kubeBinDir'), 'kubectl');
  const fullArgs = ['--kubeconfig', inject('kubeconfigPath'), ...args];
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      fullArgs,
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** kubectl that throws with its stderr when it fails. */
export async function kubectlOk(args: string[], input?: string): Promise<string> {
  const result = await kubectl(args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

export function adminKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(inject('kubeconfigPath'));
  return config;
}

export interface Kube {
  config: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
}

export function adminKube(): Kube {
  const config = adminKubeConfig();
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
  };
}

/**
 * A fresh namespace for the calling test file, deleted after the file's tests. Each file works
 * in namespaces of its own, so tests never see each other's objects.
 */
export async function testNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`.slice(0, 63);
  const { core } = adminKube();
  await core.createNamespace({ body: { metadata: { name } } });
  afterAll(async () => {
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return name;
}
