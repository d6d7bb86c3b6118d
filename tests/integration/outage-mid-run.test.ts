// An outage of the control plane in the middle of a run sends no batch twice and loses none:
// kube-apiserver stopped and started, kube-apiserver killed, etcd killed, each while batches
// are being sent; the emulator's own record of commands, by comment, is the judge.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startControlPlane, type ControlPlane } from '../infra/control-plane.js';
import { EmulatorControl } from '../infra/emulator.js';
import { crdFiles } from '../infra/global-setup.js';
import { assumeAccount, seedFleet } from '../support/aws.js';
import { assumedCredential, keysSecret, secretCredential } from '../support/credentials.js';
import { Objects } from '../support/objects.js';
import {
  operatorKubeconfig,
  superviseOperator,
  type SupervisedOperator,
} from '../support/operator.js';

const namespace = 'outage-mid-run';
const ACCOUNT = '930000000001';
const REGION = 'eu-west-1';
const TARGETS = 200;
let plane: ControlPlane;
let operator: SupervisedOperator;
let objects: Objects;
let emulator: EmulatorControl;
let fleet: string[];

beforeAll(async () => {
  // a control plane of its own: stopping the shared one would disturb other test files
  plane = await startControlPlane({ crdFiles: crdFiles() });
  const admin = new KubeConfig();
  admin.loadFromFile(plane.kubeconfigPath);
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  objects = new Objects(namespace, admin);
  const endpoint = inject('emulatorEndpoint');
  emulator = new EmulatorControl(endpoint);
  await emulator.reset();
  fleet = (
    await seedFleet(endpoint, {
      accounts: [ACCOUNT],
      regions: [REGION],
      perRegion: TARGETS,
      windowsShare: 0,
    })
  ).instanceIds;
  operator = superviseOperator({
    kubeconfigPath: await operatorKubeconfig(plane.kubeconfigPath, namespace),
    namespace,
    emulatorEndpoint: endpoint,
    ambient: await assumeAccount(endpoint, '123456789012', 'pcm-ops-operator'),
    env: {
      PCM_OPS_POLL_MIN_MS: '200',
      PCM_OPS_POLL_MAX_MS: '500',
      PCM_OPS_SEND_SETTLE_SECONDS: '2',
    },
  });
  await core.createNamespacedSecret({
    namespace,
    body: keysSecret('hub-keys', 'AKIAOUTAGEMIDRUN0001', 'outage-mid-run'),
  });
  await objects.create(secretCredential('hub', 'hub-keys'));
  await objects.create(assumedCredential('target', ACCOUNT, REGION));
  await objects.waitForCondition(
    'cloudcredentials',
    'target',
    { type: 'Ready', status: 'True' },
    90_000,
  );
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  await plane?.stop();
});

describe.each([
  ['kube-apiserver stopped and started', 'kube-apiserver', 'SIGTERM'],
  ['kube-apiserver killed', 'kube-apiserver', 'SIGKILL'],
  ['etcd killed', 'etcd', 'SIGKILL'],
] as const)('%s while batches are sent', (_what, component, signal) => {
  it('sends each batch exactly once and loses none', async () => {
    const name = `outage-${component}-${signal}`.toLowerCase();
    // one batch of 50 at a time, each running 1.5 s: the outage falls among the sends
    await emulator.setLifecycle({ pendingSeconds: 0.2, runningSeconds: 1.5 });
    const created = await objects.create({
      kind: 'ScriptExecution',
      metadata: { name },
      spec: {
        script: { body: `echo ${name}` },
        targets: [
          { credentialRef: { name: 'target' }, regions: [REGION], tags: { Role: ['web'] } },
        ],
        rateControl: { maxConcurrency: 50 },
      },
    });
    const uid = String(created.metadata.uid);
    const sends = async (): Promise<{ comment: string; instanceIds: string[] }[]> =>
      (await emulator.sentCommands({ account: ACCOUNT })).filter((c) => c.comment.includes(uid));
    await expect
      .poll(async () => (await sends()).length, { timeout: 60_000, interval: 100 })
      .toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await plane.restart(component, { signal, downMs: 3_000 });
    const done = await objects.waitFor(
      'scriptexecutions',
      name,
      (o) => Boolean(o.status?.completionTime),
      240_000,
    );

    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({ total: TARGETS, succeeded: TARGETS });
    const sent = await sends();
    expect(sent.map((c) => c.comment).sort()).toEqual(
      [0, 1, 2, 3].map((n) => `pcm-ops ${uid}/${n}`),
    );
    expect(sent.flatMap((c) => c.instanceIds).sort()).toEqual([...fleet].sort());
  });
});
