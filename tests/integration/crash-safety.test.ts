// Crash safety: the operator is killed (SIGKILL) at every step of an execution's state machine,
// a fresh one takes over, and every batch is sent exactly once.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { EmulatorControl } from '../infra/emulator.js';
import { assumeAccount, seedFleet } from '../support/aws.js';
import { assumedCredential, keysSecret, secretCredential } from '../support/credentials.js';
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
      body: keysSecret('hub-keys', 'AKIACRASHKEYS0000001', 'crash-test-secret'),
    });
  await objects.create(secretCredential('hub', 'hub-keys'));
  await objects.create(assumedCredential('target', ACCOUNT, REGION));
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
    let doomed = await operator({ PCM_OPS_CRASH_AT: `${point}:${nth}` });
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
    // On a loaded machine a process may miss its 1 s renew deadline and exit before it gets to
    // the crash point, as it should; the next one is given the same crash point.
    for (let tries = 0; doomed.process.child.signalCode !== 'SIGKILL' && tries < 5; tries += 1) {
      doomed = await operator({ PCM_OPS_CRASH_AT: `${point}:${nth}` });
      await doomed.process.exited;
    }
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

describe('two operators that both believe they lead', () => {
  const account = '777777777710';
  let ids: string[] = [];

  beforeAll(async () => {
    ids = (
      await seedFleet(endpoint, {
        accounts: [account],
        regions: [REGION],
        perRegion: 300,
        windowsShare: 0,
      })
    ).instanceIds;
    await objects.create(assumedCredential('paused-target', account, REGION));
  });

  async function leading(op: RunningOperator): Promise<boolean> {
    return (await op.metric('pcm_ops_leader').catch(() => 0)) === 1;
  }

  /** The live process among `ops` that leads, once one does. */
  async function leaderOf(ops: RunningOperator[]): Promise<RunningOperator> {
    let found: RunningOperator | undefined;
    await expect
      .poll(
        async () => {
          for (const op of ops) if (op.process.isRunning() && (await leading(op))) found = op;
          return found !== undefined;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    return found!;
  }

  it.each([1, 2, 4])(
    'send nothing twice when the leader is paused (SIGSTOP) past its lease after %i sends, then resumed',
    async (after) => {
      await Promise.all(running.splice(0).map((op) => op.stop()));
      await emulator.setLifecycle({ pendingSeconds: 0.1, runningSeconds: 0.8 });
      // every SendCommand takes a while, so the pause often falls inside one
      await emulator.fault({ service: 'ssm', operation: 'SendCommand', delaySeconds: 0.4 });
      const env = { PCM_OPS_SEND_SETTLE_SECONDS: '1' };
      const first = await operator(env);
      await expect.poll(() => leading(first), { timeout: 30_000 }).toBe(true);
      await operator(env); // the standby
      const name = `paused-leader-${after}`;
      const created = await objects.create({
        kind: 'ScriptExecution',
        metadata: { name },
        spec: {
          script: { body: `echo ${name}` },
          targets: [
            {
              credentialRef: { name: 'paused-target' },
              regions: [REGION],
              tags: { Role: ['web'] },
            },
          ],
          rateControl: { maxConcurrency: 50 },
        },
      });
      const uid = String(created.metadata.uid);
      const sends = async (): Promise<{ comment: string; instanceIds: string[] }[]> =>
        (await emulator.sentCommands({ account })).filter((c) => c.comment.includes(uid));
      await expect
        .poll(async () => (await sends()).length, { timeout: 60_000, interval: 50 })
        .toBeGreaterThanOrEqual(after);

      // On a loaded machine a leader may already have missed its renew deadline and exited (as
      // it should): pause whichever process leads now, with a live standby beside it.
      if (!running.some((op) => op.process.isRunning())) await operator(env);
      const leader = await leaderOf(running);
      const standbys = running.filter((op) => op !== leader && op.process.isRunning());
      if (standbys.length === 0) standbys.push(await operator(env));
      process.kill(-leader.process.pid, 'SIGSTOP');
      await expect
        .poll(async () => (await Promise.all(standbys.map(leading))).includes(true), {
          timeout: 30_000,
        })
        .toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      process.kill(-leader.process.pid, 'SIGCONT');
      // the old leader wakes up, finds its lease gone and exits
      await expect.poll(() => leader.process.isRunning(), { timeout: 15_000 }).toBe(false);
      expect(await leader.logs()).toContain('could not renew the leader lease in time');

      const done = await objects.waitFor(
        'scriptexecutions',
        name,
        (o) => Boolean(o.status?.completionTime),
        120_000,
      );
      await emulator.clearFaults();
      expect(done.status?.phase).toBe('Succeeded');
      expect(done.status?.counts).toMatchObject({ total: 300, succeeded: 300 });
      const sent = await sends();
      const comments = sent.map((c) => c.comment);
      expect(new Set(comments).size, 'no batch sent twice').toBe(comments.length);
      expect(comments).toHaveLength(6);
      expect(sent.flatMap((c) => c.instanceIds).sort()).toEqual([...ids].sort());
    },
  );
});

/** A lease short enough that a fresh operator leads within a second of the last one's death. */
const SHORT_LEASE = {
  PCM_OPS_LEASE_DURATION_SECONDS: '1',
  PCM_OPS_RENEW_DEADLINE_SECONDS: '0.6',
  PCM_OPS_RETRY_PERIOD_SECONDS: '0.15',
  PCM_OPS_POLL_MIN_MS: '200',
  PCM_OPS_POLL_MAX_MS: '500',
  PCM_OPS_SEND_SETTLE_SECONDS: '1',
  // the emulator answers one call at a time: calls made at once all finish late together, and an
  // operator killed after a second would keep none of them
  PCM_OPS_AWS_PARALLELISM: '2',
};

// Last: the emulator is still finishing this run's 2,000 invocations for a while after it ends,
// and on two cores that can keep a following test's operators from renewing a 2 s lease.
describe('an operator SIGKILLed every 2 s from /healthz, through a 2,000-target run from its create', () => {
  const accounts = ['777777777701', '777777777702', '777777777703', '777777777704'];
  const regions = ['eu-west-1', 'us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-2'];
  let ids: string[] = [];

  beforeAll(async () => {
    // 20 account-regions of 100: each is planned within the second an operator leads
    ids = (await seedFleet(endpoint, { accounts, regions, perRegion: 100, windowsShare: 0 }))
      .instanceIds;
    for (const account of accounts) {
      await objects.create(assumedCredential(`many-${account}`, account, REGION));
    }
  }, 300_000);

  it('completes, with every batch sent exactly once and no target missing', async () => {
    // invocations that run 4 s: however fast the machine, the run outlives a few operators
    await emulator.setLifecycle({ pendingSeconds: 0.2, runningSeconds: 4 });
    const name = 'killed-every-2s';
    const created = await objects.create({
      kind: 'ScriptExecution',
      metadata: { name },
      spec: {
        script: { body: `echo ${name}` },
        targets: accounts.map((account) => ({
          credentialRef: { name: `many-${account}` },
          regions,
          tags: { Role: ['web'] },
        })),
      },
    });
    const uid = String(created.metadata.uid);
    let restarts = 0;
    let killedMidRun = 0;
    const deadline = Date.now() + 20 * 60_000;
    let done: Awaited<ReturnType<typeof objects.get>> | undefined;
    while (!done && Date.now() < deadline) {
      const op = await operator(SHORT_LEASE);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await op.kill();
      running.splice(running.indexOf(op), 1);
      restarts++;
      const now = await objects.get('scriptexecutions', name);
      if (now.status?.completionTime) done = now;
      else killedMidRun++;
    }
    console.log(`completed after ${restarts} operators, each SIGKILLed 2 s after /healthz`);
    expect(done?.status?.phase).toBe('Succeeded');
    expect(done?.status?.counts).toMatchObject({ total: 2_000, succeeded: 2_000 });
    const sends = (await emulator.sentCommands()).filter((c) => c.comment.includes(uid));
    const comments = sends.map((c) => c.comment);
    expect(new Set(comments).size, 'no batch sent twice').toBe(comments.length);
    expect(comments).toHaveLength(40);
    const sent = sends.flatMap((c) => c.instanceIds).sort();
    expect(sent, 'every target sent once').toEqual([...ids].sort());
    // at least two operators were killed in the middle of the run
    expect(killedMidRun).toBeGreaterThanOrEqual(2);
  }, 1_500_000);
});
