// Least privilege: the operator's own AWS identity only where an administrator allows it, the
// regions a credential names are the only ones it reaches, the operator reads only the Secrets it
// is pointed at (never listing them), and its shipped RBAC covers all it does, TTL deletion
// included. A restarted operator reports nothing false while its caches fill.
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  type CoreV1Event,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { EmulatorControl } from '../infra/emulator.js';
import { assumeAccount, seedFleet } from '../support/aws.js';
import { adminKubeConfig, testNamespace } from '../support/kube.js';
import { condition, Objects } from '../support/objects.js';
import { operatorKubeconfig, startOperator, type RunningOperator } from '../support/operator.js';

const ACCOUNT = '940000000001';
const REGION = 'eu-west-1';
let namespace: string;
let objects: Objects;
let core: CoreV1Api;
let emulator: EmulatorControl;
let kubeconfigPath: string;
let ambient: Awaited<ReturnType<typeof assumeAccount>>;
let operator: RunningOperator | undefined;

async function runOperator(env: Record<string, string> = {}): Promise<RunningOperator> {
  await operator?.stop();
  operator = await startOperator({
    kubeconfigPath,
    namespace,
    emulatorEndpoint: inject('emulatorEndpoint'),
    ambient,
    env: { PCM_OPS_POLL_MIN_MS: '200', PCM_OPS_POLL_MAX_MS: '500', ...env },
  });
  return operator;
}

/** A token for a person RBAC lets manage credentials and executions in the namespace only. */
async function namespaceAdminToken(): Promise<string> {
  const name = 'team-admin';
  const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name },
      rules: [
        {
          apiGroups: ['pcm-ops.io'],
          resources: ['cloudcredentials', 'scriptexecutions', 'scripts'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const issued = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  return issued.status!.token!;
}

/** Client calls as the holder of `token`, and nobody else. */
function as(token: string): CustomObjectsApi {
  const admin = adminKubeConfig();
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'person', token }],
    contexts: [{ name: 'person', cluster: cluster.name, user: 'person' }],
    currentContext: 'person',
  });
  return kc.makeApiClient(CustomObjectsApi);
}

async function eventsOf(name: string): Promise<CoreV1Event[]> {
  return (await core.listNamespacedEvent({ namespace })).items.filter(
    (e) => e.involvedObject.name === name,
  );
}

beforeAll(async () => {
  namespace = await testNamespace('privilege');
  objects = new Objects(namespace, adminKubeConfig());
  core = adminKubeConfig().makeApiClient(CoreV1Api);
  emulator = new EmulatorControl(inject('emulatorEndpoint'));
  kubeconfigPath = await operatorKubeconfig(inject('kubeconfigPath'), namespace);
  ambient = await assumeAccount(inject('emulatorEndpoint'), '123456789012', 'pcm-ops-operator');
  await seedFleet(inject('emulatorEndpoint'), {
    accounts: [ACCOUNT],
    regions: [REGION, 'us-east-1'],
    perRegion: 3,
    windowsShare: 0,
  });
});

afterAll(async () => {
  await operator?.stop();
});

describe("the operator's own AWS identity", () => {
  it('is refused to a namespace an administrator did not name, with a clear condition, whoever created the credential', async () => {
    await runOperator({ PCM_OPS_AMBIENT_NAMESPACES: 'pcm-ops-system' });
    const token = await namespaceAdminToken();
    const person = as(token);
    for (const [name, source] of [
      ['as-operator', { ambient: {} }],
      ['assumed-by-operator', { assumeRole: { roleArn: `arn:aws:iam::${ACCOUNT}:role/pcm-ops` } }],
    ] as const) {
      // RBAC lets a namespace admin create it; the operator still refuses to act on it
      await person.createNamespacedCustomObject({
        group: 'pcm-ops.io',
        version: 'v1alpha1',
        namespace,
        plural: 'cloudcredentials',
        body: {
          apiVersion: 'pcm-ops.io/v1alpha1',
          kind: 'CloudCredential',
          metadata: { name },
          spec: { aws: { source } },
        },
      });
      const refused = await objects.waitForCondition('cloudcredentials', name, {
        type: 'Ready',
        status: 'False',
        reason: 'AmbientIdentityNotAllowed',
      });
      expect(condition(refused, 'Ready')?.message).toContain(`namespace "${namespace}"`);
      expect(condition(refused, 'Ready')?.message).toContain('PCM_OPS_AMBIENT_NAMESPACES');
      expect(refused.status?.accountId).toBeUndefined();
    }
    // an execution through it waits, and sends nothing
    await emulator.resetCallCounts();
    await objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'through-operator' },
      spec: {
        script: { body: 'id' },
        targets: [{ credentialRef: { name: 'assumed-by-operator' }, tags: { Role: ['web'] } }],
      },
    });
    const waiting = await objects.waitForCondition('scriptexecutions', 'through-operator', {
      type: 'CredentialsReady',
      status: 'False',
      reason: 'CredentialNotReady',
    });
    expect(waiting.status?.phase).toBe('Pending');
    expect(await emulator.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(0);
  });

  it('works in a namespace the administrator named', async () => {
    await runOperator({ PCM_OPS_AMBIENT_NAMESPACES: `pcm-ops-system,${namespace}` });
    await objects.waitForCondition('cloudcredentials', 'assumed-by-operator', {
      type: 'Ready',
      status: 'True',
    });
    const done = await objects.waitFor(
      'scriptexecutions',
      'through-operator',
      (o) => Boolean(o.status?.completionTime),
      60_000,
    );
    expect(done.status?.phase).toBe('Succeeded');
  });
});

describe("a credential's regions", () => {
  beforeAll(async () => {
    await runOperator({ PCM_OPS_AMBIENT_NAMESPACES: namespace });
    await objects.create({
      kind: 'CloudCredential',
      metadata: { name: 'eu-only' },
      spec: {
        aws: {
          defaultRegion: REGION,
          regions: [REGION],
          source: { assumeRole: { roleArn: `arn:aws:iam::${ACCOUNT}:role/pcm-ops` } },
        },
      },
    });
    await objects.waitForCondition('cloudcredentials', 'eu-only', {
      type: 'Ready',
      status: 'True',
    });
  });

  it('keep an execution elsewhere Pending with RegionNotAllowed, sending nothing', async () => {
    await emulator.resetCallCounts();
    await objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'outside' },
      spec: {
        script: { body: 'id' },
        targets: [
          {
            credentialRef: { name: 'eu-only' },
            regions: [REGION, 'us-east-1'],
            tags: { Role: ['web'] },
          },
        ],
      },
    });
    const held = await objects.waitForCondition('scriptexecutions', 'outside', {
      type: 'TargetsResolved',
      status: 'False',
      reason: 'RegionNotAllowed',
    });
    expect(held.status?.phase).toBe('Pending');
    expect(held.status?.reason).toBe('RegionNotAllowed');
    expect(condition(held, 'TargetsResolved')?.message).toContain('us-east-1');
    expect(condition(held, 'TargetsResolved')?.message).toContain('spec.targets[0]');
    expect((await eventsOf('outside')).map((e) => [e.type, e.reason])).toContainEqual([
      'Warning',
      'RegionNotAllowed',
    ]);
    expect(await emulator.callCount({ service: 'ec2', operation: 'DescribeInstances' })).toBe(0);
    expect(await emulator.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(0);
    // the spec may still be corrected while it waits
    await objects.patch('scriptexecutions', 'outside', {
      spec: {
        targets: [
          { credentialRef: { name: 'eu-only' }, regions: [REGION], tags: { Role: ['web'] } },
        ],
      },
    });
    const done = await objects.waitFor('scriptexecutions', 'outside', (o) =>
      Boolean(o.status?.completionTime),
    );
    expect(done.status?.phase).toBe('Succeeded');
  });

  it('are the only ones instance discovery reaches', async () => {
    const token = (
      await core.createNamespacedServiceAccountToken({
        name: 'team-admin',
        namespace,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      })
    ).status!.token!;
    const ask = (region: string): Promise<Response> =>
      fetch(
        `${operator!.apiUrl}/api/v1/namespaces/${namespace}/cloudcredentials/eu-only/instances?region=${region}`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
    expect((await ask(REGION)).status).toBe(200);
    const refused = await ask('us-east-1');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toContain('spec.aws.regions');
  });
});

describe('Secrets and RBAC', () => {
  it('reads only the Secrets it is pointed at, never listing them, and needs no permission it lacks, TTL deletion included', async () => {
    for (let i = 0; i < 20; i++)
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: `unrelated-${i}` },
          stringData: { token: `not-for-the-operator-${i}` },
        },
      });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'keys' },
        stringData: { accessKeyId: 'AKIAPRIVILEGE0000001', secretAccessKey: 'x' },
      },
    });
    await objects.create({
      kind: 'CloudCredential',
      metadata: { name: 'from-keys' },
      spec: { aws: { source: { secretRef: { name: 'keys' } } } },
    });
    await objects.waitForCondition('cloudcredentials', 'from-keys', {
      type: 'Ready',
      status: 'True',
    });
    expect(await operator!.metric('pcm_ops_secrets_followed')).toBe(1);

    await objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'short-lived' },
      spec: {
        script: { body: 'id' },
        targets: [{ credentialRef: { name: 'eu-only' }, tags: { Role: ['web'] } }],
        ttlSecondsAfterFinished: 1,
      },
    });
    await expect
      .poll(
        async () =>
          (await objects.list('scriptexecutions')).some((o) => o.metadata.name === 'short-lived'),
        {
          timeout: 60_000,
          interval: 250,
        },
      )
      .toBe(false);
    const logs = await operator!.logs();
    expect(logs).not.toMatch(/forbidden/i);
    expect(logs).not.toContain('not-for-the-operator');
  });
});

describe('a restarted operator', () => {
  it('reports no Ready credential NotReady, and no execution a missing credential, while its caches fill', async () => {
    await operator?.stop();
    operator = undefined;
    await objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'waits-for-approval' },
      spec: {
        script: { body: 'id' },
        targets: [
          { credentialRef: { name: 'eu-only' }, tags: { Role: ['web'] } },
          { credentialRef: { name: 'from-keys' }, tags: { Role: ['web'] } },
        ],
        suspend: true,
      },
    });
    const before = await objects.get('cloudcredentials', 'from-keys');
    const warningsBefore = new Map<string, string[]>();
    for (const name of ['from-keys', 'eu-only', 'assumed-by-operator'])
      warningsBefore.set(
        name,
        (await eventsOf(name))
          .filter((e) => e.type === 'Warning')
          .map((e) => `${e.reason} x${e.count}`),
      );
    for (let restart = 0; restart < 8; restart++) {
      const op = await runOperator({
        PCM_OPS_AMBIENT_NAMESPACES: namespace,
        PCM_OPS_LEASE_DURATION_SECONDS: '2',
        PCM_OPS_RENEW_DEADLINE_SECONDS: '1',
        PCM_OPS_RETRY_PERIOD_SECONDS: '0.2',
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await op.kill();
      operator = undefined;
    }
    await runOperator({ PCM_OPS_AMBIENT_NAMESPACES: namespace });
    await objects.waitFor(
      'scriptexecutions',
      'waits-for-approval',
      (o) => o.status?.phase === 'Suspended',
    );
    const after = await objects.get('cloudcredentials', 'from-keys');
    expect(condition(after, 'Ready')).toMatchObject({ status: 'True' });
    expect(condition(after, 'Ready')?.lastTransitionTime).toBe(
      condition(before, 'Ready')?.lastTransitionTime,
    );
    for (const name of ['from-keys', 'eu-only', 'assumed-by-operator']) {
      const warnings = async (): Promise<string[]> =>
        (await eventsOf(name))
          .filter((e) => e.type === 'Warning')
          .map((e) => `${e.reason} x${e.count}`);
      expect(await warnings(), name).toEqual(warningsBefore.get(name));
    }
    const reasons = (await eventsOf('waits-for-approval')).map((e) => e.reason);
    expect(reasons).not.toContain('CredentialNotFound');
    expect(reasons).not.toContain('CredentialNotReady');
  });
});
