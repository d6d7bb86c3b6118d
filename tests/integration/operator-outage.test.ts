// The operator keeps working across a restart of the kube-apiserver: its informers reconnect,
// relist, and reconcile what changed while they were away.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startControlPlane, type ControlPlane } from '../infra/control-plane.js';
import { crdFiles } from '../infra/global-setup.js';
import { assumeAccount } from '../support/aws.js';
import { Objects } from '../support/objects.js';
import { operatorKubeconfig, startOperator, type RunningOperator } from '../support/operator.js';

const namespace = 'outage';
let plane: ControlPlane;
let operator: RunningOperator;
let objects: Objects;
let core: CoreV1Api;

beforeAll(async () => {
  // A control plane of its own: restarting the shared one would disturb other test files.
  plane = await startControlPlane({ crdFiles: crdFiles() });
  const admin = new KubeConfig();
  admin.loadFromFile(plane.kubeconfigPath);
  core = admin.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  objects = new Objects(namespace, admin);
  const endpoint = inject('emulatorEndpoint');
  operator = await startOperator({
    kubeconfigPath: await operatorKubeconfig(plane.kubeconfigPath, namespace),
    namespace,
    emulatorEndpoint: endpoint,
    ambient: await assumeAccount(endpoint, '123456789012', 'pcm-ops-operator'),
  });
});

afterAll(async () => {
  await operator?.stop();
  await plane?.stop();
});

describe('an API server restart', () => {
  it('is survived: a credential changed across the outage is reconciled afterwards', async () => {
    await objects.create({
      kind: 'CloudCredential',
      metadata: { name: 'across' },
      spec: { aws: { source: { secretRef: { name: 'across-keys' } } } },
    });
    await objects.waitForCondition('cloudcredentials', 'across', {
      type: 'Ready',
      status: 'False',
      reason: 'SecretNotFound',
    });

    await plane.restartApiServer();
    // The fix lands before the operator's watches have reconnected.
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'across-keys' },
        stringData: { accessKeyId: 'AKIAOUTAGE0000000001', secretAccessKey: 'outage-test-secret' },
      },
    });
    await objects.waitForCondition(
      'cloudcredentials',
      'across',
      { type: 'Ready', status: 'True' },
      90_000,
    );
    expect(await operator.logs()).toContain('watch failed; restarting');
    expect(operator.process.isRunning()).toBe(true);
  });
});
