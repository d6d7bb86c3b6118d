// Two operator replicas: only the Lease holder reconciles, and a killed leader is replaced.
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { waitFor } from '../infra/processes.js';
import { assumeAccount } from '../support/aws.js';
import { adminKubeConfig, testNamespace } from '../support/kube.js';
import { Objects } from '../support/objects.js';
import { operatorKubeconfig, startOperator, type RunningOperator } from '../support/operator.js';

const LEASE = { duration: 4, renewDeadline: 3, retry: 0.5 };

let namespace: string;
let objects: Objects;
let replicas: RunningOperator[] = [];

async function leaders(): Promise<RunningOperator[]> {
  const flags = await Promise.all(
    replicas.map(async (r) => (await r.metric('pcm_ops_leader').catch(() => 0)) === 1),
  );
  return replicas.filter((_, i) => flags[i]);
}

async function credential(name: string): Promise<void> {
  await objects.create({
    kind: 'CloudCredential',
    metadata: { name },
    spec: { aws: { source: { secretRef: { name: 'ha-keys' } } } },
  });
}

beforeAll(async () => {
  namespace = await testNamespace('ha');
  objects = new Objects(namespace, adminKubeConfig());
  const endpoint = inject('emulatorEndpoint');
  const kubeconfigPath = await operatorKubeconfig(inject('kubeconfigPath'), namespace);
  const ambient = await assumeAccount(endpoint, '123456789012', 'pcm-ops-operator');
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'ha-keys' },
        stringData: { accessKeyId: 'AKIAHAKEYS0000000001', secretAccessKey: 'ha-test-secret' },
      },
    });
  const env = {
    PCM_OPS_LEASE_DURATION_SECONDS: String(LEASE.duration),
    PCM_OPS_RENEW_DEADLINE_SECONDS: String(LEASE.renewDeadline),
    PCM_OPS_RETRY_PERIOD_SECONDS: String(LEASE.retry),
  };
  replicas = await Promise.all(
    ['replica-a', 'replica-b'].map((identity) =>
      startOperator({
        kubeconfigPath,
        namespace,
        emulatorEndpoint: endpoint,
        ambient,
        identity,
        env,
      }),
    ),
  );
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
});

describe('leader election', () => {
  it('lets exactly one replica reconcile', async () => {
    await waitFor('a leader', async () => ((await leaders()).length === 1 ? true : undefined));
    await credential('first');
    await objects.waitForCondition('cloudcredentials', 'first', { type: 'Ready', status: 'True' });
    const [leader] = await leaders();
    const follower = replicas.find((r) => r !== leader)!;
    expect(await leader!.metric('pcm_ops_reconcile_total')).toBeGreaterThan(0);
    expect(await follower.metric('pcm_ops_reconcile_total')).toBe(0);
    expect(await follower.metric('pcm_ops_leader')).toBe(0);
    const lease = await adminKubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: 'pcm-ops-operator', namespace });
    expect(lease.spec?.holderIdentity).toBe(leader!.identity);
  });

  it('hands over within the lease duration when the leader is killed', async () => {
    const [leader] = await leaders();
    const follower = replicas.find((r) => r !== leader)!;
    const coordination = adminKubeConfig().makeApiClient(CoordinationV1Api);
    const before = await coordination.readNamespacedLease({ name: 'pcm-ops-operator', namespace });
    await leader!.kill();
    await waitFor(
      'the follower to lead',
      async () => ((await follower.metric('pcm_ops_leader')) === 1 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const after = await coordination.readNamespacedLease({ name: 'pcm-ops-operator', namespace });
    expect(after.spec?.holderIdentity).toBe(follower.identity);
    expect(after.spec?.leaseTransitions).toBe((before.spec?.leaseTransitions ?? 0) + 1);
    // Handover is measured on the Lease itself: from the dead leader's last renewal to the new
    // holder's acquisition, at most one lease duration plus one retry period.
    const gapMs =
      new Date(after.spec!.acquireTime!).getTime() - new Date(before.spec!.renewTime!).getTime();
    expect(gapMs).toBeLessThanOrEqual((LEASE.duration + LEASE.retry + 1) * 1000);
    await credential('second');
    await objects.waitForCondition('cloudcredentials', 'second', { type: 'Ready', status: 'True' });
    expect(await follower.metric('pcm_ops_reconcile_total')).toBeGreaterThan(0);
  });
});
