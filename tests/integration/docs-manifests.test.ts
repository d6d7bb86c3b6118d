// Docs cannot rot: every manifest under docs/ is applied to the control plane (files and kustomize
// trees for real, YAML blocks in the Markdown with a server-side dry run), every values block and
// helm command in the docs renders the chart, and every JSON block parses.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fluxKustomizationCrd } from '../infra/tools.js';
import { render, repoRoot, type Manifest } from '../support/chart.js';
import { kubectl, kubectlOk, testNamespace } from '../support/kube.js';

const docsDir = path.join(repoRoot, 'docs');
const chartValueKeys = Object.keys(
  (
    JSON.parse(
      readFileSync(path.join(repoRoot, 'charts', 'pcm-ops', 'values.schema.json'), 'utf8'),
    ) as { properties: Record<string, unknown> }
  ).properties,
);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

const rel = (file: string): string => path.relative(repoRoot, file);
const yamlFiles = walk(docsDir).filter((f) => f.endsWith('.yaml'));
const markdownFiles = [path.join(repoRoot, 'README.md'), ...walk(docsDir)].filter((f) =>
  f.endsWith('.md'),
);

// ---------------------------------------------------------------------------------------------
// kustomize trees: a kustomization nobody else includes is applied with `kubectl apply -k`.

function kustomizationOf(dir: string): { resources?: string[] } | undefined {
  const file = path.join(dir, 'kustomization.yaml');
  return existsSync(file)
    ? (parse(readFileSync(file, 'utf8')) as { resources?: string[] })
    : undefined;
}

/** Every file a kustomization includes, through included directories too. */
function included(dir: string): string[] {
  const own = [path.join(dir, 'kustomization.yaml')];
  for (const resource of kustomizationOf(dir)?.resources ?? []) {
    const full = path.join(dir, resource);
    own.push(...(statSync(full).isDirectory() ? included(full) : [full]));
  }
  return own;
}

const kustomizations = yamlFiles
  .filter((f) => path.basename(f) === 'kustomization.yaml')
  .map((f) => path.dirname(f));
const nested = new Set(
  kustomizations.flatMap((dir) =>
    included(dir)
      .slice(1)
      .filter((f) => f.endsWith('kustomization.yaml')),
  ),
);
const kustomizeRoots = kustomizations.filter(
  (dir) => !nested.has(path.join(dir, 'kustomization.yaml')),
);
const coveredByKustomize = new Set(kustomizeRoots.flatMap(included));
const plainFiles = yamlFiles.filter((f) => !coveredByKustomize.has(f));

// ---------------------------------------------------------------------------------------------
// fenced blocks in Markdown

interface Block {
  where: string;
  lang: string;
  text: string;
}

function blocks(file: string): Block[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({
    where: `${rel(file)}:${text.slice(0, m.index).split('\n').length}`,
    lang: m[1]!,
    text: m[2]!,
  }));
}

const allBlocks = markdownFiles.flatMap(blocks);
const yamlBlocks = allBlocks.filter((b) => b.lang === 'yaml');
const jsonBlocks = allBlocks.filter((b) => b.lang === 'json');
const shellCommands = allBlocks
  .filter((b) => b.lang === 'sh')
  .flatMap((b) =>
    b.text
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((line) => /^(helm (install|upgrade)|kubectl apply) /.test(line))
      .map((line) => ({ where: b.where, line })),
  );

function isManifestBlock(block: Block): boolean {
  return parseAllDocuments(block.text).every((d) => {
    const o = d.toJS() as { apiVersion?: string; kind?: string } | null;
    return Boolean(o?.apiVersion && o.kind);
  });
}

function isValuesBlock(block: Block): boolean {
  const docs = parseAllDocuments(block.text);
  if (docs.length !== 1) return false;
  const o = docs[0]!.toJS() as Record<string, unknown> | null;
  return Boolean(o) && Object.keys(o!).every((k) => chartValueKeys.includes(k));
}

// ---------------------------------------------------------------------------------------------

let namespace: string;
let blockNamespace: string;
const createdNamespaces: string[] = [];

beforeAll(async () => {
  namespace = await testNamespace('docs');
  blockNamespace = await testNamespace('docs-blocks');
  // The Flux example is checked against Flux's own CRD (no Flux controller runs).
  await kubectlOk(['apply', '--server-side', '-f', await fluxKustomizationCrd()]);
  await kubectlOk([
    'wait',
    '--for=condition=Established',
    'crd/kustomizations.kustomize.toolkit.fluxcd.io',
  ]);
  // Namespaces the docs name but do not create (argocd, flux-system).
  const named = new Set<string>();
  for (const file of plainFiles) {
    for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const ns = (d.toJS() as Manifest | null)?.metadata?.namespace;
      if (ns) named.add(ns);
    }
  }
  for (const ns of named) {
    if ((await kubectl(['create', 'namespace', ns])).code === 0) createdNamespaces.push(ns);
  }
});

afterAll(async () => {
  for (const dir of kustomizeRoots) await kubectl(['delete', '-k', dir, '--wait=false']);
  for (const ns of createdNamespaces) await kubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('manifest files under docs/', () => {
  it('are all applied below: in a kustomize tree or on their own', () => {
    expect(yamlFiles.length).toBeGreaterThan(10);
    expect(kustomizeRoots.map(rel).sort()).toEqual([
      'docs/gitops/example/environments/production',
      'docs/gitops/example/environments/staging',
    ]);
    for (const file of yamlFiles) {
      expect(coveredByKustomize.has(file) || plainFiles.includes(file), rel(file)).toBe(true);
    }
  });

  it.each(kustomizeRoots.map(rel))('kubectl apply -k %s', async (dir) => {
    const result = await kubectl(['apply', '-k', path.join(repoRoot, dir)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/scriptexecution\.pcm-ops\.io\/\S+ created/);
  });

  it.each(plainFiles.map(rel))('kubectl apply -f %s', async (file) => {
    const full = path.join(repoRoot, file);
    // A file that names its namespace (argocd, flux-system) goes there; others into a test one.
    const namesOwn = parseAllDocuments(readFileSync(full, 'utf8')).some((d) =>
      Boolean((d.toJS() as Manifest | null)?.metadata?.namespace),
    );
    const result = await kubectl(['apply', ...(namesOwn ? [] : ['-n', namespace]), '-f', full]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('blocks in the Markdown', () => {
  it('are all checked: every YAML block is a manifest or chart values', () => {
    expect(yamlBlocks.length).toBeGreaterThan(0);
    for (const block of yamlBlocks) {
      expect(isManifestBlock(block) || isValuesBlock(block), block.where).toBe(true);
    }
  });

  it.each(yamlBlocks.filter(isManifestBlock).map((b) => [b.where, b] as const))(
    'the manifest at %s is accepted (server-side dry run)',
    async (_where, block) => {
      const result = await kubectl(
        ['apply', '--dry-run=server', '-n', blockNamespace, '-f', '-'],
        block.text,
      );
      expect(result.code, result.stderr).toBe(0);
      // kubectl's bookkeeping about objects other tests created the same way is not about the docs
      const warnings = result.stderr.split('\n').filter((l) => l && !/last-applied/.test(l));
      expect(warnings).toEqual([]);
    },
  );

  it.each(yamlBlocks.filter(isValuesBlock).map((b) => [b.where, b] as const))(
    'the chart values at %s render',
    async (_where, block) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-docs-values-'));
      const file = path.join(dir, 'values.yaml');
      await writeFile(file, block.text);
      try {
        expect(await render('pcm-ops', 'pcm-ops-system', ['-f', file])).toContain(
          'kind: Deployment',
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it.each(shellCommands.map((c) => [c.where, c.line] as const))(
    'the command at %s works: %s',
    async (_where, line) => {
      const result = await runDocumented(line);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(line.startsWith('helm') ? /kind: Deployment/ : /dry run/);
    },
  );

  it.each(jsonBlocks.map((b) => [b.where, b.text] as const))(
    'the JSON at %s parses',
    (_w, text) => {
      expect(() => JSON.parse(text)).not.toThrow();
    },
  );
});

/**
 * Runs a documented `helm install|upgrade` line through the shell as `helm template`, and a
 * `kubectl apply` line as a server-side dry run.
 */
function runDocumented(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const helmBinary = path.join(inject('kubeBinDir'), 'helm');
  const script = `helm() {
  local args=()
  for a in "$@"; do
    case "$a" in install|upgrade|--install|--create-namespace|--wait|--atomic|--reuse-values) ;; *) args+=("$a") ;; esac
  done
  "$HELM_BINARY" template "\${args[@]}" --kube-version 1.35.4
}
kubectl() {
  "$KUBECTL_BINARY" --kubeconfig "$KUBECONFIG_PATH" "$@" --dry-run=server
}
${line}`;
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          HELM_BINARY: helmBinary,
          KUBECTL_BINARY: path.join(inject('kubeBinDir'), 'kubectl'),
          KUBECONFIG_PATH: inject('kubeconfigPath'),
        },
        maxBuffer: 16 << 20,
      },
      (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
    );
  });
}
