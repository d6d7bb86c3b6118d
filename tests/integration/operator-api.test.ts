// The operator's read API: full output and instance discovery, answered only to callers whose
// Kubernetes RBAC lets them read the execution or the credential.
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { execution, useOperator } from '../support/harness.js';
import { adminKubeConfig } from '../support/kube.js';

const h = useOperator('api');
const ACCOUNT = '820000000001';
const REGION = 'eu-west-1';
const tokens: Record<string, string> = {};
let noisy: string;

async function token(
  name: string,
  rules: { resources: string[]; verbs: string[] }[],
): Promise<string> {
  const namespace = h.namespace;
  await h.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  if (rules.length) {
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name }, rules: rules.map((r) => ({ apiGroups: ['pcm-ops.io'], ...r })) },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
    });
  }
  const issued = await h.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  return issued.status!.token!;
}

function call(path: string, who?: string): Promise<Response> {
  const base = h.operator.metricsUrl.replace(/\/metrics$/, '');
  return fetch(`${base}${path}`, {
    headers: who ? { authorization: `Bearer ${tokens[who]}` } : {},
  });
}

beforeAll(async () => {
  const fleet = await h.fleet({
    accounts: [ACCOUNT],
    regions: [REGION],
    perRegion: 4,
    windowsShare: 0.25,
  });
  noisy = fleet.group(ACCOUNT, REGION).linuxInstanceIds[0]!;
  await h.emulator.scriptOutcome({
    instanceId: noisy,
    stdout: `<script>alert(1)</script>${'x'.repeat(30_000)}`,
    stderr: 'warn\n',
  });
  tokens.reader = await token('reader', [
    { resources: ['scriptexecutions', 'cloudcredentials'], verbs: ['get', 'list'] },
  ]);
  tokens.stranger = await token('stranger', []);
  await h.objects.create(
    execution('noisy', [ACCOUNT], [REGION], { script: { body: 'cat /var/log/big.log' } }),
  );
  await h.objects.waitFor('scriptexecutions', 'noisy', (o) => Boolean(o.status?.completionTime));
});

describe('full output', () => {
  const path = () =>
    `/api/v1/namespaces/${h.namespace}/scriptexecutions/noisy/output?instanceId=${noisy}`;

  it('is served to a caller RBAC lets read the execution, with SSM truncation flagged', async () => {
    const res = await call(path(), 'reader');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as {
      stdout: string;
      stderr: string;
      stdoutTruncated: boolean;
      status: string;
    };
    expect(body.stdout.startsWith('<script>alert(1)</script>xxx')).toBe(true);
    expect(body.stdout).toHaveLength(24_000);
    expect(body.stdoutTruncated).toBe(true);
    expect(body.stderr).toBe('warn\n');
    expect(body.status).toBe('Success');
  });

  it('is refused to a caller without that right, and to one without a token', async () => {
    const denied = await call(path(), 'stranger');
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: string }).error).toContain(
      'may not get scriptexecutions "noisy"',
    );
    expect((await call(path())).status).toBe(401);
  });

  it('names what is missing', async () => {
    const res = await call(
      `/api/v1/namespaces/${h.namespace}/scriptexecutions/noisy/output`,
      'reader',
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('instanceId');
  });
});

describe('instance discovery', () => {
  it('lists what a credential reaches in a region, filtered, for a caller allowed to read it', async () => {
    const path = `/api/v1/namespaces/${h.namespace}/cloudcredentials/acct-${ACCOUNT}/instances?region=${REGION}&tag=Role=web&platform=Windows`;
    const res = await call(path, 'reader');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      accountId: string;
      instances: { instanceId: string; platform: string }[];
    };
    expect(body.accountId).toBe(ACCOUNT);
    expect(body.instances).toHaveLength(1);
    expect(body.instances[0]!.platform).toBe('Windows');
    expect((await call(path, 'stranger')).status).toBe(403);
  });
});
