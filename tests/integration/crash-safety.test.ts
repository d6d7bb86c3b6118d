// Crash safety: the operator is killed (SIGKILL) at every step of an execution's state machine,
// a fresh one takes over, and every batch is sent exactly once.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { EmulatorControl } from '../infra/emulator.js';
import { assumeAccount, seedFleet } from '../support/aws.js';
import { adminKubeConfig, testNamespace } from '../support/kube.js';
import { Objects } from '../support/objects.js';
import { operatorKubeconfig, startOperator, type RunningOperator } from '../support/operator.js';
import { CoreV1Api } from '@kubernetes/client-node';

const ACCOUNT = '777777777777';
const REGION = 'eu-west-1';
const INSTANCES = 120; // three batches: 50, 50, 20
const FAST_LEASE = {
  PCM_OPS_LEASE_DURATION_SECONDS: '2',
  PCM_OPS_RENEW_DEADLINE_SECONDS: '1',
  PCM_OPS_RETRY_PERIOD_SECONDS: '0.2',
  PCM_OPS_POLL_MIN_MS: '200',
  PCM_OPS_POLL_MAX_MS: '500',
};

let namespace: string;
let objects: Objects;
let emulator: EmulatorControl;
let endpoint: string;
let kubeconfigPath: string;
let ambient: Awaited<ReturnType<typeof assumeAccount>>;
let fleetIds: string[];
const running: RunningOperator[] = [];

function operator(env: Record<string, string> = {}): Promise<RunningOperator> {
  return startOperator({
    kubeconfigPath,
    namespace,
    emulatorEndpoint: endpoint,
    ambient,
    env: { ...FAST_LEASE, ...env },
  }).then((op) => {
    running.push(op);
    return op;
  });
}

beforeAll(async () => {
  namespace = await testNamespace('crash');
  objects = new Objects(namespace, adminKubeConfig());
  endpoint = inject('emulatorEndpoint');
  emulator = new EmulatorControl(endpoint);
  await emulator.reset();
  kubeconfigPath = await operatorKubeconfig(inject('kubeconfigPath'), namespace);
  ambient = await assumeAccount(endpoint, '123456789012', 'pcm-ops-operator');
  fleetIds = (
    await seedFleet(endpoint, {
      accounts: [ACCOUNT],
      regions: [REGION],
      perRegion: INSTANCES,
      windowsShare: 0,
    })
  ).instanceIds;
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'hub-keys' },
        stringData: { accessKeyId: 'AKIACRASHKEYS0000001', secretAccessKey: 'crash-test-secret' },
      },
    });
  await objects.create({
    kind: 'CloudCredential',
    metadata: { name: 'hub' },
    spec: { aws: { source: { secretRef: { name: 'hub-keys' } } } },
  });
  await objects.create({
    kind: 'CloudCredential',
    metadata: { name: 'target' },
    spec: {
      aws: {
        defaultRegion: REGION,
        source: {
          assumeRole: {
            roleArn: `arn:aws:iam::${ACCOUNT}:role/pcm-ops`,
            sourceCredentialRef: { name: 'hub' },
          },
        },
      },
    },
  });
});

afterAll(async () => {
  await Promise.all(running.map((op) => op.stop()));
});

describe.each([
  ['after-plan', 1],
  ['after-start', 1],
  ['after-sending-mark', 2],
  ['after-send', 1],
  ['after-send', 3],
  ['after-sent-write', 2],
  ['after-observe', 2],
])('killed at %s (pass %i)', (point, nth) => {
  it('resumes in a new process without sending any batch twice or losing one', async () => {
    const name = `crash-${point}-${nth}`;
    // Slow invocations keep commands running across the crash and the takeover.
    await emulator.setLifecycle({ pendingSeconds: 0.5, runningSeconds: 1 });
    const doomed = await operator({ PCM_OPS_CRASH_AT: `${point}:${nth}` });
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
    await doomed.process.exited;
    expect(doomed.process.child.signalCode).toBe('SIGKILL');

    await operator();
    const done = await objects.waitFor(
      'scriptexecutions',
      name,
      (o) => Boolean(o.status?.completionTime),
      120_000,
    );
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({ total: INSTANCES, succeeded: INSTANCES });

    const uid = String(created.metadata.uid);
    const sends = (await emulator.sentCommands()).filter((c) => c.comment.includes(uid));
    const sentIds = sends.flatMap((c) => c.instanceIds).sort();
    expect(sends).toHaveLength(3);
    expect(sentIds).toEqual([...fleetIds].sort());
    await Promise.all(running.splice(0).map((op) => op.stop()));
  });
});
