// The local control plane behaves like a real cluster where the project depends on it: version,
// RBAC with ServiceAccount tokens, namespace deletion, garbage collection, CRDs, and a clean stop.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  VersionApi,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { installCrds, startControlPlane, type ControlPlane } from '../infra/control-plane.js';

const GROUP = 'cp-test.pcm-ops.io';

function crdManifest(kind: string, plural: string): string {
  return JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { note: { type: 'string' } } } },
            },
          },
        },
      ],
    },
  });
}

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

/** pids of processes whose command line mentions the control plane's data dir */
async function processesUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let cp: ControlPlane;
let kc: KubeConfig;
let core: CoreV1Api;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-cp-test-'));
  const earlyCrd = path.join(scratch, 'widgets.json');
  await writeFile(earlyCrd, crdManifest('Widget', 'widgets'));
  cp = await startControlPlane({ crdFiles: [earlyCrd] });
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await cp?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('local control plane', () => {
  it('serves Kubernetes v1.35.4 over TLS to the admin kubeconfig', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.35.4');
    expect(cp.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { code, stdout } = await cp.kubectl(['version', '-o', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).serverVersion.gitVersion).toBe('v1.35.4');
  });

  it('enforces RBAC on ServiceAccount tokens minted with TokenRequest', async () => {
    const namespace = 'rbac-check';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'reader' } },
    });
    const minted = await core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const asReader = new KubeConfig();
    asReader.loadFromClusterAndUser(kc.getCurrentCluster()!, {
      name: 'reader',
      token: minted.status!.token,
    });
    const readerCore = asReader.makeApiClient(CoreV1Api);

    expect(await statusOf(readerCore.listNamespacedSecret({ namespace }))).toBe(403);

    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'secret-reader' },
        rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'reader-reads-secrets' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secret-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    await vi.waitFor(
      async () => expect(await statusOf(readerCore.listNamespacedSecret({ namespace }))).toBe(200),
      {
        timeout: 10_000,
      },
    );
    expect(await statusOf(readerCore.listNamespace())).toBe(403);
  });

  it('gives new namespaces a default ServiceAccount and finishes deleting them', async () => {
    const namespace = 'doomed';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'content' }, data: { a: 'b' } },
    });
    await vi.waitFor(
      async () =>
        expect(
          await statusOf(core.readNamespacedServiceAccount({ name: 'default', namespace })),
        ).toBe(200),
      { timeout: 30_000, interval: 200 },
    );

    await core.deleteNamespace({ name: namespace });

    await vi.waitFor(
      async () => expect(await statusOf(core.readNamespace({ name: namespace }))).toBe(404),
      {
        timeout: 60_000,
        interval: 250,
      },
    );
  });

  it('garbage-collects an object once its owner is deleted', async () => {
    const namespace = 'default';
    const owner: V1ConfigMap = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'owner' } },
    });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'owned',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! },
          ],
        },
      },
    });

    await core.deleteNamespacedConfigMap({ name: 'owner', namespace });

    await vi.waitFor(
      async () =>
        expect(await statusOf(core.readNamespacedConfigMap({ name: 'owned', namespace }))).toBe(
          404,
        ),
      { timeout: 60_000, interval: 250 },
    );
  });

  it('garbage-collects custom resources of a CRD installed at start-up', async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'widget-owner' } },
    });
    const widget = {
      apiVersion: `${GROUP}/v1`,
      kind: 'Widget',
      metadata: {
        name: 'owned-widget',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'widget-owner', uid: owner.metadata!.uid },
        ],
      },
      spec: { note: 'goes with its owner' },
    };
    expect((await cp.kubectl(['apply', '-f', '-'], JSON.stringify(widget))).code).toBe(0);

    await core.deleteNamespacedConfigMap({ name: 'widget-owner', namespace: 'default' });

    await vi.waitFor(
      async () => {
        const result = await cp.kubectl(['get', `widgets.${GROUP}`, 'owned-widget']);
        expect(result.stderr).toContain('NotFound');
      },
      { timeout: 60_000, interval: 250 },
    );
  });

  it('installs CRDs that kubectl can use at once', async () => {
    const file = path.join(scratch, 'gadgets.json');
    await writeFile(file, crdManifest('Gadget', 'gadgets'));

    await installCrds(cp, [file]);

    const gadget = {
      apiVersion: `${GROUP}/v1`,
      kind: 'Gadget',
      metadata: { name: 'first' },
      spec: { note: 'hi' },
    };
    expect(await cp.kubectl(['apply', '-f', '-'], JSON.stringify(gadget))).toMatchObject({
      code: 0,
    });
    const got = await cp.kubectl(['get', 'gadgets', 'first', '-o', 'jsonpath={.spec.note}']);
    expect(got).toMatchObject({ code: 0, stdout: 'hi' });
  });

  it('comes back after an apiserver restart with its data intact', async () => {
    const before = await cp.kubectl(['get', 'gadgets', 'first', '-o', 'name']);

    await cp.restartApiServer();

    expect(await cp.kubectl(['get', 'gadgets', 'first', '-o', 'name'])).toMatchObject({
      code: 0,
      stdout: before.stdout,
    });
  });

  it('leaves no process behind and removes its data dir when stopped', async () => {
    const pids = await processesUsing(cp.dataDir);
    expect(pids).toHaveLength(3); // etcd, kube-apiserver, kube-controller-manager

    await cp.stop();

    expect(pids.filter(isAlive)).toEqual([]);
    expect(await processesUsing(cp.dataDir)).toEqual([]);
    if (process.env.PCM_OPS_KEEP_DATA !== '1') {
      await expect(readdir(cp.dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });
});
