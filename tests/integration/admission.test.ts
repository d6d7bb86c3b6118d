// The API as the API server enforces it: every documented example is accepted, every malformed
// manifest is refused with the field named, and a started execution's spec cannot change.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk, testNamespace } from '../support/kube.js';

const repoRoot = path.join(import.meta.dirname, '..', '..');
const examplesDir = path.join(repoRoot, 'docs', 'examples');

interface MalformedCase {
  case: string;
  field: string;
  manifest: { kind: string; metadata: { name: string } };
}

const corpus = parseAllDocuments(
  readFileSync(path.join(repoRoot, 'crds', 'fixtures', 'malformed.yaml'), 'utf8'),
).map((doc) => doc.toJS() as MalformedCase);

let namespace: string;
beforeAll(async () => {
  namespace = await testNamespace('admission');
});

describe('documented examples', () => {
  it.each(readdirSync(examplesDir).filter((f) => f.endsWith('.yaml')))(
    'kubectl apply -f docs/examples/%s succeeds',
    async (file) => {
      const result = await kubectl(['apply', '-n', namespace, '-f', path.join(examplesDir, file)]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
  );

  it('gets the API server’s defaults', async () => {
    const se = JSON.parse(
      await kubectlOk(['get', '-n', namespace, 'se', 'uptime-payments', '-o', 'json']),
    );
    expect(se.spec.suspend).toBe(false);
    expect(se.spec.cancel).toBe(false);
    expect(se.spec.script.interpreter).toBe('sh');
    const cc = JSON.parse(await kubectlOk(['get', '-n', namespace, 'cc', 'prod', '-o', 'json']));
    expect(cc.spec.aws.partition).toBe('aws');
  });

  it('shows up under the pcm-ops category and short names', async () => {
    const out = await kubectlOk(['get', 'pcm-ops', '-n', namespace, '-o', 'name']);
    expect(out).toContain('scriptexecution.pcm-ops.io/patch-precheck-2026-11');
    expect(out).toContain('cloudcredential.pcm-ops.io/hub');
    expect(out).toContain('script.pcm-ops.io/patch-precheck');
    const wide = await kubectlOk(['get', 'se', '-n', namespace, '-o', 'wide']);
    expect(wide.split('\n')[0]).toMatch(
      /NAME\s+PHASE\s+PROGRESS\s+SUCCEEDED\s+FAILED\s+REASON\s+SCRIPT\s+CHANGE\s+AGE/,
    );
    expect(wide).toMatch(/patch-precheck-2026-11 .*patch-precheck\s+CHG0012345/);
  });
});

describe('kubectl explain', () => {
  it('prints the field descriptions of scriptexecution.spec', async () => {
    const out = await kubectlOk(['explain', 'scriptexecution.spec']);
    expect(out).toContain('One run of a script on a set of targets.');
    expect(out).toContain('Resolve and show the targets but send nothing until set to false');
    expect(out).toMatch(/targets\s+<\[\]Object> -required-/);
  });

  it('explains nested fields such as the targets', async () => {
    const out = await kubectlOk(['explain', 'scriptexecution.spec.targets.onlineOnly']);
    expect(out).toContain('Keep only instances whose SSM agent is online');
  });
});

describe('malformed manifests', () => {
  it('the corpus has at least 30 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.map((c) => [c.case, c] as const))('refuses %s', async (_name, malformed) => {
    // JSON, not YAML: kubectl reads YAML 1.1, where `yes` and `n` would turn into booleans.
    const result = await kubectl(
      ['create', '-n', namespace, '-f', '-'],
      JSON.stringify(malformed.manifest),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('is invalid');
    expect(result.stderr).toContain(`${malformed.field}:`);
  });

  it('leaves nothing half-created', async () => {
    const out = await kubectlOk(['get', 'pcm-ops', '-n', namespace, '-o', 'name']);
    expect(out).not.toMatch(/\/bad$/m);
  });
});

describe('an execution that has started', () => {
  const name = 'started-run';

  beforeAll(async () => {
    await kubectlOk(
      ['create', '-n', namespace, '-f', '-'],
      stringify({
        apiVersion: 'pcm-ops.io/v1alpha1',
        kind: 'ScriptExecution',
        metadata: { name },
        spec: {
          script: { body: 'uptime' },
          targets: [{ credentialRef: { name: 'prod' }, tags: { Role: ['web'] } }],
        },
      }),
    );
  });

  async function patchSpec(patch: object): Promise<{ code: number; stderr: string }> {
    return kubectl([
      'patch',
      'se',
      name,
      '-n',
      namespace,
      '--type',
      'merge',
      '-p',
      JSON.stringify({ spec: patch }),
    ]);
  }

  async function setStatus(status: object): Promise<void> {
    await kubectlOk([
      'patch',
      'se',
      name,
      '-n',
      namespace,
      '--subresource',
      'status',
      '--type',
      'merge',
      '-p',
      JSON.stringify({ status }),
    ]);
  }

  it('may still be edited before the operator starts resolving it, and while it is held Pending', async () => {
    expect((await patchSpec({ changeRef: 'CHG0' })).stderr).toBe('');
    await setStatus({ phase: 'Pending', reason: 'CredentialNotReady' });
    const result = await patchSpec({ changeRef: 'CHG1' });
    expect(result.stderr).toBe('');
  });

  it('refuses a change of targets, script or parameters once resolving has started', async () => {
    await setStatus({ phase: 'Resolving' });
    for (const patch of [
      { targets: [{ credentialRef: { name: 'staging' }, tags: { Role: ['web'] } }] },
      { script: { body: 'rm -rf /tmp/x' } },
      { parameters: { A: 'b' } },
      { changeRef: 'CHG2' },
      { rateControl: { maxConcurrency: 1 } },
    ]) {
      const result = await patchSpec(patch);
      expect(result.code, JSON.stringify(patch)).not.toBe(0);
      expect(result.stderr).toContain('spec: Invalid value');
      expect(result.stderr).toContain(
        'spec is immutable once the operator has started resolving the targets',
      );
    }
  });

  it('accepts suspend, cancel and ttlSecondsAfterFinished after it started', async () => {
    for (const patch of [{ suspend: true }, { cancel: true }, { ttlSecondsAfterFinished: 60 }]) {
      const result = await patchSpec(patch);
      expect(result.stderr, JSON.stringify(patch)).toBe('');
      expect(result.code).toBe(0);
    }
    const se = JSON.parse(await kubectlOk(['get', 'se', name, '-n', namespace, '-o', 'json']));
    expect(se.spec).toMatchObject({
      suspend: true,
      cancel: true,
      ttlSecondsAfterFinished: 60,
      changeRef: 'CHG1',
    });
  });
});
