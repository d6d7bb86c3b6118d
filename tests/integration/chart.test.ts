// The Helm chart: it lints, renders with default and with every option, is accepted by the API
// server, refuses bad values with the value named, and its RBAC is enough to run the operator.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { kubectl, kubectlOk } from '../support/kube.js';

const repoRoot = path.join(import.meta.dirname, '..', '..');
const chart = path.join(repoRoot, 'charts', 'pcm-ops');
const fullValues = path.join(repoRoot, 'tests', 'fixtures', 'chart-values-full.yaml');
const NAMESPACE = 'pcm-ops-system';
const KUBE_VERSION = '1.35.4';

function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(inject('kubeBinDir'), 'helm'),
      args,
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
    );
  });
}

async function render(extra: string[] = []): Promise<string> {
  const result = await helm([
    'template',
    'pcm-ops',
    chart,
    '--namespace',
    NAMESPACE,
    '--include-crds',
    '--kube-version',
    KUBE_VERSION,
    ...extra,
  ]);
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout;
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
      (await import('node:fs')).readFileSync(
        path.join(chart, 'files', 'operator-rbac.yaml'),
        'utf8',
      ),
    ).map((d) => d.toJS());
    const rules = (kind: string, docs: { kind: string; rules?: unknown }[]) =>
      docs.find((d) => d.kind === kind)?.rules;
    expect(rules('ClusterRole', rendered)).toEqual(rules('ClusterRole', documented));
    expect(rules('Role', rendered)).toEqual(rules('Role', documented));
  });

  it('installs RBAC under which the operator runs: it can read, write status and lead', async () => {
    await kubectlOk(
      ['apply', '-n', NAMESPACE, '-f', '-'],
      await render(['--show-only', 'templates/operator-rbac.yaml']),
    );
    const sa = `system:serviceaccount:${NAMESPACE}:pcm-ops-operator`;
    for (const [verb, resource, where] of [
      ['watch', 'scriptexecutions.pcm-ops.io', '--all-namespaces'],
      ['patch', 'scriptexecutions.pcm-ops.io/status', '--all-namespaces'],
      ['create', 'executionbatches.pcm-ops.io', '--all-namespaces'],
      ['list', 'secrets', '--all-namespaces'],
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
      ['delete', 'secrets'],
      ['create', 'secrets'],
      ['delete', 'scriptexecutions.pcm-ops.io'],
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
