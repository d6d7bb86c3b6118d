// The Helm chart: it lints, renders with default and with every option, is accepted by the API
// server, refuses bad values with the value named, and its RBAC is enough to run the operator.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startProcess, stopProcess, waitFor } from '../infra/processes.js';
import {
  chartDir as chart,
  container,
  find,
  helm,
  KUBE_VERSION,
  manifests,
  render as renderChart,
  repoRoot,
  type Container,
} from '../support/chart.js';
import { kubectl, kubectlOk, testNamespace } from '../support/kube.js';
import { loadConfig } from '../../operator/src/config.js';
import { outputBucketFrom } from '../../operator/src/providers/output-bucket.js';

const fullValues = path.join(repoRoot, 'tests', 'fixtures', 'chart-values-full.yaml');
const NAMESPACE = 'pcm-ops-system';

function render(extra: string[] = []): Promise<string> {
  return renderChart('pcm-ops', NAMESPACE, ['--include-crds', ...extra]);
}

/** Server-side dry run; ServiceMonitor needs the Prometheus operator's CRD, which this cluster lacks. */
async function dryRun(
  manifests: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const docs = parseAllDocuments(manifests)
    .map((d) => d.toJS() as { kind?: string } | null)
    .filter((d): d is { kind: string } => Boolean(d?.kind) && d!.kind !== 'ServiceMonitor');
  return kubectl(
    ['apply', '--dry-run=server', '-n', NAMESPACE, '-f', '-'],
    docs.map((d) => JSON.stringify(d)).join('\n'),
  );
}

beforeAll(async () => {
  await kubectl(['create', 'namespace', NAMESPACE]);
});

describe('the pcm-ops chart', () => {
  it('passes helm lint', async () => {
    const result = await helm(['lint', chart, '--strict']);
    expect(result.stdout).toContain('0 chart(s) failed');
  });

  it('renders with default values into objects the API server accepts', async () => {
    const result = await dryRun(await render());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/error|invalid|forbidden/i);
    expect(result.stdout).toContain('deployment.apps/pcm-ops-operator created (server dry run)');
    expect(result.stdout).toContain(
      'customresourcedefinition.apiextensions.k8s.io/scriptexecutions.pcm-ops.io',
    );
  });

  it('renders every option into objects the API server accepts', async () => {
    const manifests = await render(['-f', fullValues]);
    expect(manifests).toContain('kind: ServiceMonitor');
    expect(manifests).toContain('eks.amazonaws.com/role-arn');
    const result = await dryRun(manifests);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/error|invalid|forbidden/i);
    for (const kind of [
      'ingress.networking.k8s.io',
      'networkpolicy.networking.k8s.io',
      'clusterrole.rbac.authorization.k8s.io/pcm-ops-edit',
    ]) {
      expect(result.stdout).toContain(kind);
    }
  });

  it.each([
    [['--set', 'operator.replicas=two'], "at '/operator/replicas': got string, want integer"],
    [['--set', 'operator.bogus=1'], "at '/operator': additional properties 'bogus' not allowed"],
    [['--set', 'image.pullPolicy=Sometimes'], "at '/image/pullPolicy'"],
    [['--set', 'serviceMonitor.interval=often'], "at '/serviceMonitor/interval'"],
    [['--set', 'operator.maxOldSpaceMiB=lots'], "at '/operator/maxOldSpaceMiB'"],
    [['--set', 'console.secureCookies=maybe'], "at '/console/secureCookies'"],
    [['--set', 'console.session.bogus=1'], "at '/console/session'"],
    [
      ['--set', 'operator.ambientIdentity.namespaces={Not_A_Namespace}'],
      "at '/operator/ambientIdentity/namespaces/0'",
    ],
    [['--set', 'operator.outputBucket.name=x'], "at '/operator/outputBucket/name'"],
    [['--set', 'operator.outputBucket.prefix=/runs'], "at '/operator/outputBucket/prefix'"],
    [
      ['--set', 'operator.outputBucket.endpoint=minio:9000'],
      "at '/operator/outputBucket/endpoint'",
    ],
  ])('refuses %j, naming %s', async (args, field) => {
    const result = await helm([
      'template',
      'pcm-ops',
      chart,
      '--kube-version',
      KUBE_VERSION,
      ...args,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(field);
  });

  it('gives the operator exactly the rules the documented RBAC file lists', async () => {
    const rendered = parseAllDocuments(
      await render(['--show-only', 'templates/operator-rbac.yaml']),
    ).map((d) => d.toJS());
    const documented = parseAllDocuments(
      readFileSync(path.join(chart, 'files', 'operator-rbac.yaml'), 'utf8'),
    ).map((d) => d.toJS());
    const rules = (kind: string, docs: { kind: string; rules?: unknown }[]) =>
      docs.find((d) => d.kind === kind)?.rules;
    expect(rules('ClusterRole', rendered)).toEqual(rules('ClusterRole', documented));
    expect(rules('Role', rendered)).toEqual(rules('Role', documented));
  });

  it('installs RBAC under which the operator runs: it can read, write status, expire executions and lead, and never list Secrets', async () => {
    await kubectlOk(
      ['apply', '-n', NAMESPACE, '-f', '-'],
      await render(['--show-only', 'templates/operator-rbac.yaml']),
    );
    const sa = `system:serviceaccount:${NAMESPACE}:pcm-ops-operator`;
    for (const [verb, resource, where] of [
      ['watch', 'scriptexecutions.pcm-ops.io', '--all-namespaces'],
      ['patch', 'scriptexecutions.pcm-ops.io/status', '--all-namespaces'],
      ['create', 'executionbatches.pcm-ops.io', '--all-namespaces'],
      ['delete', 'scriptexecutions.pcm-ops.io', '--all-namespaces'],
      ['get', 'secrets', '--all-namespaces'],
      ['watch', 'secrets', '--all-namespaces'],
      ['create', 'subjectaccessreviews.authorization.k8s.io', ''],
      ['update', 'leases.coordination.k8s.io', `--namespace=${NAMESPACE}`],
    ]) {
      const out = await kubectl([
        'auth',
        'can-i',
        verb!,
        resource!,
        '--as',
        sa,
        ...(where ? [where] : []),
      ]);
      expect(out.stdout.trim(), `${verb} ${resource}`).toBe('yes');
    }
    for (const [verb, resource] of [
      ['list', 'secrets'],
      ['delete', 'secrets'],
      ['create', 'secrets'],
      ['create', 'scriptexecutions.pcm-ops.io'],
      ['create', 'pods'],
      ['update', 'leases.coordination.k8s.io'],
    ]) {
      const out = await kubectl([
        'auth',
        'can-i',
        verb!,
        resource!,
        '--as',
        sa,
        '--namespace=default',
      ]);
      expect(out.stdout.trim(), `${verb} ${resource}`).toBe('no');
    }
  });
});

/** The environment a container gets, with Secret references resolved from the rendered Secrets. */
function resolvedEnv(c: Container, docs: ReturnType<typeof manifests>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of c.env ?? []) {
    const ref = v.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = find(docs, 'Secret', ref.name) as { data?: Record<string, string> };
      env[v.name] = Buffer.from(secret.data?.[ref.key] ?? '', 'base64').toString('utf8');
    } else if (v.value !== undefined) env[v.name] = v.value;
  }
  return env;
}

describe('the settings the chart gives the processes', () => {
  it("lets the operator's own identity serve the release namespace, and the ones named", async () => {
    const operatorEnv = async (extra: string[]): Promise<Record<string, string>> => {
      const docs = manifests(await render(extra));
      return resolvedEnv(container(find(docs, 'Deployment', '-operator')), docs);
    };
    expect((await operatorEnv([])).PCM_OPS_AMBIENT_NAMESPACES).toBe(NAMESPACE);
    const named = await operatorEnv([
      '--set',
      'operator.ambientIdentity.namespaces={platform,ops}',
    ]);
    expect(named.PCM_OPS_AMBIENT_NAMESPACES).toBe(`${NAMESPACE},platform,ops`);
  });

  it('gives the operator the output bucket only when one is named', async () => {
    const operatorEnv = async (extra: string[]): Promise<Record<string, string>> =>
      resolvedEnv(container(find(manifests(await render(extra)), 'Deployment', '-operator')), []);
    const none = await operatorEnv([]);
    expect(Object.keys(none).filter((name) => name.startsWith('PCM_OPS_OUTPUT_'))).toEqual([]);
    expect(await operatorEnv(['--set', 'operator.outputBucket.name=ops-output'])).toMatchObject({
      PCM_OPS_OUTPUT_BUCKET: 'ops-output',
      PCM_OPS_OUTPUT_PREFIX: 'pcm-ops',
    });
    const full = await operatorEnv(['-f', fullValues]);
    expect(full).toMatchObject({
      PCM_OPS_OUTPUT_BUCKET: 'ops-script-output',
      PCM_OPS_OUTPUT_PREFIX: 'runs',
      PCM_OPS_OUTPUT_REGION: 'eu-west-1',
      PCM_OPS_OUTPUT_ENDPOINT_URL: 'http://minio.storage.svc:9000',
    });
    // the operator takes exactly those settings
    const settings = Object.fromEntries(
      Object.entries(full).filter(([name]) => name.startsWith('PCM_OPS_OUTPUT_')),
    );
    const bucket = outputBucketFrom(loadConfig(settings));
    expect(bucket).toMatchObject({
      name: 'ops-script-output',
      prefix: 'runs',
      region: 'eu-west-1',
    });
    bucket?.close();
  });

  it('sets every console setting, and the console starts with exactly them', async () => {
    const docs = manifests(await render());
    const console_ = container(find(docs, 'Deployment', '-console'));
    const names = (console_.env ?? []).map((v) => v.name).sort();
    // Everything console/server/main.ts reads; a missing SESSION_SECRET stops it at start.
    expect(names).toEqual(
      [
        'HOST',
        'LOG_LEVEL',
        'PCM_OPS_OPERATOR_URL',
        'PORT',
        'SECURE_COOKIES',
        'SESSION_SECRET',
        'TRUST_PROXY',
      ].sort(),
    );
    const env = resolvedEnv(console_, docs);
    expect(env.PORT).toBe(String(console_.ports?.find((p) => p.name === 'http')?.containerPort));
    expect(env.SESSION_SECRET!.length).toBeGreaterThanOrEqual(32);
    expect(env.PCM_OPS_OPERATOR_URL).toBe(`http://pcm-ops-operator.${NAMESPACE}.svc:8080`);
    expect(env.LOG_LEVEL).toBe('info');
    expect(find(docs, 'Service', '-operator').spec).toMatchObject({
      ports: [{ port: 8080, targetPort: 'http' }],
    });

    // Run the real console with that environment (on a free loopback port instead of 3000).
    const port = await freePort();
    const proc = await startProcess({
      name: 'chart-console',
      command: process.execPath,
      args: ['--conditions=source', '--import', 'tsx', 'console/server/main.ts'],
      cwd: repoRoot,
      logPath: path.join(os.tmpdir(), `pcm-ops-chart-console-${port}.log`),
      env: {
        PATH: process.env.PATH,
        KUBECONFIG: inject('kubeconfigPath'),
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
    });
    try {
      await waitFor(
        'console /healthz',
        async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined),
        { timeoutMs: 60_000, watch: proc },
      );
    } finally {
      await stopProcess(proc);
    }
  });

  it.each([
    [[], 'false', 'false'],
    [['--set', 'console.ingress.enabled=true'], 'false', 'true'],
    [
      ['--set', 'console.ingress.enabled=true', '--set', 'console.ingress.tlsSecretName=tls'],
      'true',
      'true',
    ],
    [['--set', 'console.secureCookies=true', '--set', 'console.trustProxy=true'], 'true', 'true'],
  ])('with %j marks cookies Secure=%s and trusts the proxy=%s', async (args, secure, trust) => {
    const docs = manifests(await render(args));
    const env = resolvedEnv(container(find(docs, 'Deployment', '-console')), docs);
    expect(env.SECURE_COOKIES).toBe(secure);
    expect(env.TRUST_PROXY).toBe(trust);
  });

  it('reads the session secret from a Secret of the user’s own when one is named', async () => {
    const docs = manifests(
      await render([
        '--set',
        'console.session.existingSecret=console-keys',
        '--set',
        'console.session.existingSecretKey=cookie-key',
      ]),
    );
    expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
    const ref = container(find(docs, 'Deployment', '-console')).env?.find(
      (v) => v.name === 'SESSION_SECRET',
    )?.valueFrom?.secretKeyRef;
    expect(ref).toEqual({ name: 'console-keys', key: 'cookie-key' });
  });

  it('keeps the generated session secret across helm upgrade', async () => {
    const namespace = await testNamespace('chart-upgrade');
    const install = (command: string): ReturnType<typeof helm> =>
      helm([
        command,
        'session-check',
        chart,
        '--install',
        '--namespace',
        namespace,
        '--kubeconfig',
        inject('kubeconfigPath'),
        '--skip-crds',
        '--set',
        'rbac.userRoles=false',
      ]);
    const secretOf = async (): Promise<string> =>
      JSON.parse(
        await kubectlOk([
          'get',
          'secret',
          '-n',
          namespace,
          'session-check-pcm-ops-console-session',
          '-o',
          'json',
        ]),
      ).data['session-secret'];
    try {
      const first = await install('upgrade');
      expect(first.code, first.stderr).toBe(0);
      const before = await secretOf();
      const second = await install('upgrade');
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('REVISION: 2');
      expect(await secretOf()).toBe(before);
    } finally {
      await helm([
        'uninstall',
        'session-check',
        '-n',
        namespace,
        '--kubeconfig',
        inject('kubeconfigPath'),
      ]);
    }
  });

  it('caps the operator’s heap below its memory limit, from values', async () => {
    const envOf = async (args: string[]): Promise<Record<string, string>> =>
      resolvedEnv(container(find(manifests(await render(args)), 'Deployment', '-operator')), []);
    expect((await envOf([])).NODE_OPTIONS).toBe('--max-old-space-size=128');
    expect((await envOf(['--set', 'operator.maxOldSpaceMiB=256'])).NODE_OPTIONS).toBe(
      '--max-old-space-size=256',
    );
    const limit = (
      find(manifests(await render()), 'Deployment', '-operator').spec as {
        template: { spec: { containers: { resources: { limits: { memory: string } } }[] } };
      }
    ).template.spec.containers[0]!.resources.limits.memory;
    expect(Number.parseInt(limit, 10)).toBeGreaterThan(128);
  });
});
