// CloudCredential end to end: the real operator (as its own process, under its shipped RBAC)
// against the local control plane and the AWS emulator.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { EmulatorControl } from '../infra/emulator.js';
import { assumeAccount, organizationsClient, type Credentials } from '../support/aws.js';
import { adminKubeConfig, testNamespace } from '../support/kube.js';
import { Objects, condition, type PcmObject } from '../support/objects.js';
import { operatorKubeconfig, startOperator, type RunningOperator } from '../support/operator.js';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
} from '@aws-sdk/client-organizations';

const HUB_ACCOUNT = '123456789012';
const CC = 'cloudcredentials';
const SECRET_VALUES: string[] = [];

let namespace: string;
let objects: Objects;
let core: CoreV1Api;
let emulator: EmulatorControl;
let operator: RunningOperator;
let ambient: Credentials;

function keys(id: number): { accessKeyId: string; secretAccessKey: string } {
  const secretAccessKey = `test-secret-value-${id}-${'x'.repeat(20)}`;
  SECRET_VALUES.push(secretAccessKey);
  return { accessKeyId: `AKIATESTKEY${String(id).padStart(9, '0')}`, secretAccessKey };
}

async function createSecret(name: string, data: Record<string, string>): Promise<void> {
  await core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: data } });
}

function secretCredential(
  name: string,
  secret: string,
  extra: object = {},
): Omit<PcmObject, 'apiVersion'> {
  return {
    kind: 'CloudCredential',
    metadata: { name },
    spec: {
      aws: { defaultRegion: 'us-east-1', source: { secretRef: { name: secret } } },
      ...extra,
    },
  };
}

function roleCredential(
  name: string,
  account: string,
  role: object,
): Omit<PcmObject, 'apiVersion'> {
  return {
    kind: 'CloudCredential',
    metadata: { name },
    spec: {
      aws: {
        defaultRegion: 'us-east-1',
        source: { assumeRole: { roleArn: `arn:aws:iam::${account}:role/pcm-ops`, ...role } },
      },
    },
  };
}

const ready = (name: string, timeoutMs?: number): Promise<PcmObject> =>
  objects.waitForCondition(CC, name, { type: 'Ready', status: 'True' }, timeoutMs);
const notReady = (name: string, reason: string, timeoutMs?: number): Promise<PcmObject> =>
  objects.waitForCondition(CC, name, { type: 'Ready', status: 'False', reason }, timeoutMs);

beforeAll(async () => {
  namespace = await testNamespace('cred');
  objects = new Objects(namespace, adminKubeConfig());
  core = adminKubeConfig().makeApiClient(CoreV1Api);
  const endpoint = inject('emulatorEndpoint');
  emulator = new EmulatorControl(endpoint);
  await emulator.reset();
  // The operator's own identity is an assumed role, as IRSA or Pod Identity gives it in a cluster.
  ambient = await assumeAccount(endpoint, HUB_ACCOUNT, 'pcm-ops-operator');
  SECRET_VALUES.push(ambient.secretAccessKey, ambient.sessionToken ?? '');
  operator = await startOperator({
    kubeconfigPath: await operatorKubeconfig(inject('kubeconfigPath'), namespace),
    namespace,
    emulatorEndpoint: endpoint,
    ambient,
    env: {
      PCM_OPS_MAX_CHAIN_DEPTH: '3',
      // Sessions of 900 s are renewed 10 s after they are issued, so the suite sees a renewal.
      PCM_OPS_REFRESH_BEFORE_EXPIRY_SECONDS: '890',
    },
  });
  await createSecret('hub-keys', keys(1));
  await objects.create(secretCredential('hub', 'hub-keys'));
});

afterAll(async () => {
  await operator?.stop();
});

describe('reaching accounts', () => {
  it('validates a credential from a Secret and reports its account and ARN', async () => {
    const hub = await ready('hub');
    expect(hub.status).toMatchObject({ accountId: HUB_ACCOUNT, observedGeneration: 1 });
    expect(hub.status?.arn).toMatch(new RegExp(`^arn:aws:(iam|sts)::${HUB_ACCOUNT}:`));
    expect(hub.status?.lastValidatedAt).toBeTruthy();
    expect(condition(hub, 'Stalled')?.status).toBe('False');
    expect(condition(hub, 'Reconciling')?.status).toBe('False');
  });

  it('assumes a role into a second account, and through it into a third (a two-hop chain)', async () => {
    await objects.create(
      roleCredential('prod', '222222222222', { sourceCredentialRef: { name: 'hub' } }),
    );
    await objects.create(
      roleCredential('deep', '333333333333', { sourceCredentialRef: { name: 'prod' } }),
    );
    const prod = await ready('prod');
    const deep = await ready('deep');
    expect(prod.status?.accountId).toBe('222222222222');
    expect(prod.status?.arn).toContain('assumed-role/pcm-ops/');
    expect(deep.status?.accountId).toBe('333333333333');
    expect(new Date(String(deep.status?.expiresAt)).getTime()).toBeGreaterThan(Date.now());
  });

  it('lists the member accounts of an organization', async () => {
    const hubKeys = {
      accessKeyId: 'AKIATESTKEY000000001',
      secretAccessKey: 'unused-by-the-emulator',
    };
    const orgs = organizationsClient(inject('emulatorEndpoint'), { credentials: hubKeys });
    await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const created: string[] = [];
    for (const name of ['payments', 'ledger']) {
      const request = await orgs.send(
        new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
      );
      const status = await orgs.send(
        new DescribeCreateAccountStatusCommand({
          CreateAccountRequestId: request.CreateAccountStatus!.Id!,
        }),
      );
      created.push(status.CreateAccountStatus!.AccountId!);
    }
    await objects.create(
      secretCredential('org', 'hub-keys', {
        organization: { roleName: 'OrganizationAccountAccessRole' },
      }),
    );
    const org = await ready('org');
    const listed = (org.status?.organizationAccounts as { id: string; name?: string }[]).map(
      (a) => a.id,
    );
    expect(listed).toEqual(expect.arrayContaining([HUB_ACCOUNT, ...created]));
    expect(listed).toHaveLength(created.length + 1);
  });
});

describe('failures name what to fix, and a fix makes the credential Ready without a restart', () => {
  it('SecretNotFound until the Secret is created', async () => {
    await objects.create(secretCredential('late', 'late-keys'));
    const failed = await notReady('late', 'SecretNotFound');
    expect(condition(failed, 'Ready')?.message).toContain('Secret "late-keys"');
    expect(condition(failed, 'Ready')?.message).toContain('spec.aws.source.secretRef.name');
    expect(condition(failed, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'SecretNotFound',
    });
    await createSecret('late-keys', keys(2));
    await ready('late');
  });

  it('InvalidSecret when a key is missing, until the Secret is fixed', async () => {
    const { accessKeyId, secretAccessKey } = keys(3);
    await createSecret('partial-keys', { accessKeyId });
    await objects.create(secretCredential('partial', 'partial-keys'));
    const failed = await notReady('partial', 'InvalidSecret');
    expect(condition(failed, 'Ready')?.message).toContain('no key "secretAccessKey"');
    await core.patchNamespacedSecret(
      { name: 'partial-keys', namespace, body: { stringData: { secretAccessKey } } },
      (await import('@kubernetes/client-node')).setHeaderOptions(
        'Content-Type',
        'application/merge-patch+json',
      ),
    );
    await ready('partial');
  });

  it('InvalidSecret when AWS rejects the keys, until they are replaced', async () => {
    const bad = keys(4);
    await emulator.fault({
      service: 'sts',
      code: 'InvalidClientTokenId',
      httpStatus: 403,
      accessKeyId: bad.accessKeyId,
      message: 'The security token included in the request is invalid.',
    });
    await createSecret('bad-keys', bad);
    await objects.create(secretCredential('rejected', 'bad-keys'));
    const failed = await notReady('rejected', 'InvalidSecret');
    expect(condition(failed, 'Ready')?.message).toContain(
      'AWS rejected the access keys in Secret "bad-keys"',
    );
    await core.replaceNamespacedSecret({
      name: 'bad-keys',
      namespace,
      body: { metadata: { name: 'bad-keys' }, stringData: keys(5) },
    });
    await ready('rejected');
  });

  it('AccessDenied when the role refuses the caller, until the spec points elsewhere', async () => {
    const locked = keys(6);
    await emulator.fault({
      service: 'sts',
      operation: 'AssumeRole',
      code: 'AccessDenied',
      httpStatus: 403,
      accessKeyId: locked.accessKeyId,
      message: 'User is not authorized to perform: sts:AssumeRole',
    });
    await createSecret('locked-keys', locked);
    await objects.create(secretCredential('locked', 'locked-keys'));
    await ready('locked');
    await objects.create(
      roleCredential('denied', '444444444444', { sourceCredentialRef: { name: 'locked' } }),
    );
    const failed = await notReady('denied', 'AccessDenied');
    expect(condition(failed, 'Ready')?.message).toContain('arn:aws:iam::444444444444:role/pcm-ops');
    expect(condition(failed, 'Stalled')?.status).toBe('True');
    await objects.patch(CC, 'denied', {
      spec: { aws: { source: { assumeRole: { sourceCredentialRef: { name: 'hub' } } } } },
    });
    const fixed = await ready('denied');
    expect(fixed.status?.accountId).toBe('444444444444');
  });

  it('AccountMismatch when STS reports another account, until expectedAccountId is right', async () => {
    await objects.create(
      secretCredential('mismatch', 'hub-keys', { expectedAccountId: '999999999999' }),
    );
    const failed = await notReady('mismatch', 'AccountMismatch');
    expect(condition(failed, 'Ready')?.message).toBe(
      `STS reports account ${HUB_ACCOUNT}, but spec.expectedAccountId is 999999999999`,
    );
    expect(failed.status?.accountId).toBe(HUB_ACCOUNT);
    await objects.patch(CC, 'mismatch', { spec: { expectedAccountId: HUB_ACCOUNT } });
    await ready('mismatch');
  });

  it('ChainTooLong for a cycle, until it is broken', async () => {
    await objects.create(
      roleCredential('cycle-a', '555555555555', { sourceCredentialRef: { name: 'cycle-b' } }),
    );
    await objects.create(
      roleCredential('cycle-b', '666666666666', { sourceCredentialRef: { name: 'cycle-a' } }),
    );
    const failed = await notReady('cycle-a', 'ChainTooLong');
    expect(condition(failed, 'Ready')?.message).toContain('cycle');
    await objects.patch(CC, 'cycle-b', {
      spec: { aws: { source: { assumeRole: { sourceCredentialRef: { name: 'hub' } } } } },
    });
    expect((await ready('cycle-a')).status?.accountId).toBe('555555555555');
  });

  it('ChainTooLong for more hops than the operator allows', async () => {
    await objects.create(
      roleCredential('hop1', '700000000001', { sourceCredentialRef: { name: 'hub' } }),
    );
    await objects.create(
      roleCredential('hop2', '700000000002', { sourceCredentialRef: { name: 'hop1' } }),
    );
    await objects.create(
      roleCredential('hop3', '700000000003', { sourceCredentialRef: { name: 'hop2' } }),
    );
    await objects.create(
      roleCredential('hop4', '700000000004', { sourceCredentialRef: { name: 'hop3' } }),
    );
    await ready('hop3');
    const failed = await notReady('hop4', 'ChainTooLong');
    expect(condition(failed, 'Ready')?.message).toContain('more than 3 hops');
  });

  it('DurationTooLong when an assumed role would assume another for more than an hour', async () => {
    await objects.create(roleCredential('long', '888888888888', { durationSeconds: 7200 }));
    const failed = await notReady('long', 'DurationTooLong');
    expect(condition(failed, 'Ready')?.message).toContain(
      'spec.aws.source.assumeRole.durationSeconds is 7200',
    );
    await objects.patch(CC, 'long', {
      spec: { aws: { source: { assumeRole: { durationSeconds: 3600 } } } },
    });
    expect((await ready('long')).status?.accountId).toBe('888888888888');
  });

  it('Throttled while STS throttles, shown as Reconciling, then Ready once it stops', async () => {
    const throttled = keys(7);
    // More throttles than the SDK retries within one call (4 attempts), so reconciles fail as
    // Throttled until the throttling stops.
    await emulator.fault({
      service: 'sts',
      code: 'Throttling',
      message: 'Rate exceeded',
      httpStatus: 400,
      accessKeyId: throttled.accessKeyId,
      count: 10,
    });
    await createSecret('throttled-keys', throttled);
    await objects.create(secretCredential('throttled', 'throttled-keys'));
    const failed = await notReady('throttled', 'Throttled');
    expect(condition(failed, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Retrying' });
    expect(condition(failed, 'Stalled')?.status).toBe('False');
    await ready('throttled', 90_000);
  });
});

describe('economy and freshness', () => {
  it('calls STS GetCallerIdentity at most once per validation interval, however often it reconciles', async () => {
    await objects.create(secretCredential('steady', 'hub-keys'));
    await ready('steady');
    const reconcilesBefore = await operator.metric('pcm_ops_reconcile_total', {
      kind: 'CloudCredential',
    });
    const callsBefore = await emulator.callCount({
      service: 'sts',
      operation: 'GetCallerIdentity',
    });
    for (let i = 0; i < 50; i++) {
      await objects.patch(CC, 'steady', { metadata: { annotations: { touch: String(i) } } });
    }
    await objects.waitFor(
      CC,
      'steady',
      (o) => (o.metadata.annotations as Record<string, string>)?.touch === '49',
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const reconciles =
      (await operator.metric('pcm_ops_reconcile_total', { kind: 'CloudCredential' })) -
      reconcilesBefore;
    const calls =
      (await emulator.callCount({ service: 'sts', operation: 'GetCallerIdentity' })) - callsBefore;
    expect(reconciles).toBeGreaterThanOrEqual(10);
    expect(calls).toBeLessThanOrEqual(1);
  });

  it('renews an expiring session before expiresAt', async () => {
    await objects.create(
      roleCredential('short', '900000000009', {
        sourceCredentialRef: { name: 'hub' },
        durationSeconds: 900,
      }),
    );
    const first = await ready('short');
    const firstExpiry = new Date(String(first.status?.expiresAt)).getTime();
    const renewed = await objects.waitFor(
      CC,
      'short',
      (o) => new Date(String(o.status?.expiresAt)).getTime() > firstExpiry,
      60_000,
    );
    expect(Date.now()).toBeLessThan(firstExpiry);
    expect(condition(renewed, 'Ready')?.status).toBe('True');
  });
});

describe('secrets stay secret', () => {
  it('no secret value appears in status, events, logs or metrics', async () => {
    const statuses = JSON.stringify(await objects.list(CC));
    const events = JSON.stringify(await core.listNamespacedEvent({ namespace }));
    const logs = await operator.logs();
    const metrics = await operator.metrics();
    expect(events).toContain('Validated');
    expect(logs).toContain('credential status written');
    for (const value of SECRET_VALUES.filter(Boolean)) {
      for (const [where, text] of Object.entries({ statuses, events, logs, metrics })) {
        expect(text.includes(value), `${where} contains a secret value`).toBe(false);
      }
    }
  });
});
