// Acceptance of the chart's operator RBAC: the RBAC `helm template` renders is installed as is, the
// operator runs under a token of the chart's ServiceAccount with the environment the chart gives
// it, and takes a credential and an execution to Succeeded. The rendered rules are the ones
// docs/operations.md lists, nothing beyond them.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kubeconfigFor } from '../infra/control-plane.js';
import { EmulatorControl } from '../infra/emulator.js';
import { assumeAccount, seedFleet, type Fleet } from '../support/aws.js';
import { assumedCredential, keysSecret, secretCredential } from '../support/credentials.js';
import { container, find, manifests, render, repoRoot, type Manifest } from '../support/chart.js';
import { HUB_ACCOUNT } from '../support/harness.js';
import { adminKubeConfig, kubectlOk, testNamespace } from '../support/kube.js';
import { Objects } from '../support/objects.js';
import { startOperator, type RunningOperator } from '../support/operator.js';

const ACCOUNT = '310987654321';
const REGION = 'eu-west-1';
const RBAC_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

let namespace: string;
let fullname: string;
let rendered: Manifest[];
let operator: RunningOperator;
let objects: Objects;
let fleet: Fleet;

/** A kubeconfig that authenticates with a fresh token of the chart's operator ServiceAccount. */
async function serviceAccountKubeconfig(serviceAccount: string): Promise<string> {
  const token = (
    await kubectlOk(['create', 'token', serviceAccount, '-n', namespace, '--duration', '3h'])
  ).trim();
  const cluster = adminKubeConfig().getCurrentCluster()!;
  const ca = Buffer.from(cluster.caData ?? '', 'base64').toString('utf8');
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-chart-sa-')), 'kubeconfig');
  await writeFile(file, kubeconfigFor(cluster.server, ca, { name: serviceAccount, token }), {
    mode: 0o600,
  });
  return file;
}

/** The operator container's plain env values as the chart renders them (the port aside). */
function chartEnv(deployment: Manifest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of container(deployment).env ?? []) {
    if (v.value !== undefined && v.name !== 'PCM_OPS_HTTP_PORT') env[v.name] = v.value;
  }
  return env;
}

beforeAll(async () => {
  namespace = await testNamespace('chart-op');
  fullname = `${namespace}-pcm-ops`;
  rendered = manifests(
    await render(namespace, namespace, [
      '--set',
      'console.enabled=false',
      '--set',
      'rbac.userRoles=false',
    ]),
  );
  const rbac = rendered.filter((d) => RBAC_KINDS.includes(d.kind));
  await kubectlOk(
    ['apply', '-n', namespace, '-f', '-'],
    rbac.map((d) => JSON.stringify(d)).join('\n'),
  );
  const deployment = find(rendered, 'Deployment', '-operator');
  const serviceAccount = (deployment.spec as { template: { spec: { serviceAccountName: string } } })
    .template.spec.serviceAccountName;
  const endpoint = inject('emulatorEndpoint');
  await new EmulatorControl(endpoint).reset();
  operator = await startOperator({
    kubeconfigPath: await serviceAccountKubeconfig(serviceAccount),
    namespace,
    emulatorEndpoint: endpoint,
    ambient: await assumeAccount(endpoint, HUB_ACCOUNT, 'pcm-ops-operator'),
    identity: `${fullname}-operator-0`,
    env: { ...chartEnv(deployment), PCM_OPS_POLL_MIN_MS: '200', PCM_OPS_POLL_MAX_MS: '1000' },
  });
  objects = new Objects(namespace, adminKubeConfig());
  fleet = await seedFleet(endpoint, {
    accounts: [ACCOUNT],
    regions: [REGION],
    perRegion: 3,
    windowsShare: 0,
  });
});

afterAll(async () => {
  await operator?.stop();
  const clusterScoped = rendered?.filter((d) => d.kind.startsWith('Cluster')) ?? [];
  for (const d of clusterScoped) {
    await kubectlOk(['delete', d.kind.toLowerCase(), d.metadata.name, '--ignore-not-found']);
  }
});

describe('the operator under the chart’s ServiceAccount and RBAC', () => {
  it('validates credentials from a Secret and through an assumed role', async () => {
    await kubectlOk(
      ['apply', '-n', namespace, '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        ...keysSecret('hub-keys', 'AKIAHUBKEYS000000001', 'hub-test-secret'),
      }),
    );
    await objects.create(secretCredential('hub', 'hub-keys'));
    await objects.create(assumedCredential('prod', ACCOUNT, REGION));
    const prod = await objects.waitForCondition('cloudcredentials', 'prod', {
      type: 'Ready',
      status: 'True',
    });
    expect(prod.status?.accountId).toBe(ACCOUNT);
  });

  it('runs a Script on the fleet to Succeeded, with batches, Events and its Lease', async () => {
    await objects.create({
      kind: 'Script',
      metadata: { name: 'uptime' },
      spec: { interpreter: 'bash', body: 'uptime' },
    });
    await objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'uptime-prod' },
      spec: {
        scriptRef: { name: 'uptime' },
        targets: [{ credentialRef: { name: 'prod' }, regions: [REGION], tags: { Role: ['web'] } }],
      },
    });
    const done = await objects.waitFor(
      'scriptexecutions',
      'uptime-prod',
      (o) => Boolean(o.status?.completionTime),
      120_000,
    );
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.progress).toBe(`3/3`);
    expect(fleet.instanceIds).toHaveLength(3);
    expect((await objects.list('executionbatches')).length).toBeGreaterThan(0);
    const events = await kubectlOk(['get', 'events', '-n', namespace, '-o', 'json']);
    expect(events).toContain('uptime-prod');
    const lease = JSON.parse(
      await kubectlOk(['get', 'lease', '-n', namespace, `${fullname}-operator`, '-o', 'json']),
    );
    expect(lease.spec.holderIdentity).toBe(operator.identity);
  });

  it('serves full output through its read API (TokenReview and SubjectAccessReview)', async () => {
    const token = (
      await kubectlOk(['create', 'token', `${fullname}-operator`, '-n', namespace])
    ).trim();
    const instanceId = fleet.instanceIds[0]!;
    const res = await fetch(
      `${operator.apiUrl}/api/v1/namespaces/${namespace}/scriptexecutions/uptime-prod/output?instanceId=${instanceId}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it('was refused nothing by the API server', async () => {
    expect(await operator.logs()).not.toMatch(/forbidden|"code":403|status code 403/i);
  });

  it('is granted exactly the rules docs/operations.md lists', async () => {
    const markdown = await readFile(path.join(repoRoot, 'docs', 'operations.md'), 'utf8');
    const documented = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .flatMap(([, block]) => parseAllDocuments(block!).map((d) => d.toJS() as Manifest))
      .filter((d) => d?.kind === 'ClusterRole' || d?.kind === 'Role');
    const rules = (docs: Manifest[], kind: string): unknown =>
      docs.filter((d) => d.kind === kind).map((d) => d.rules);
    expect(rules(documented, 'ClusterRole')).toHaveLength(1);
    expect(rules(rendered, 'ClusterRole')).toEqual(rules(documented, 'ClusterRole'));
    expect(rules(rendered, 'Role')).toEqual(rules(documented, 'Role'));
  });
});
