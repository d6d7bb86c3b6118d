// The operator as its container image runs it: compiled JavaScript under plain `node`, not
// TypeScript through the tsx loader as the tests run it. Each source file is transpiled on its own
// (as tsc emits it) into a temporary directory laid out like the image: crds/dist, operator/dist
// and a node_modules that links to the repository's, with @pcm-ops/crds pointing at the copy.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { startProcess, stopProcess, waitFor, freePort } from '../infra/processes.js';
import type { OperatorOptions } from '../support/operator.js';
import type { BenchOperator } from './stage.js';
import { metricValue } from './sampler.js';

const repoRoot = path.join(import.meta.dirname, '..', '..');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

async function transpilePackage(
  name: 'crds' | 'operator',
  into: string,
  sourceRoot: string,
): Promise<void> {
  const src = path.join(sourceRoot, name, 'src');
  for (const file of await sourceFiles(src)) {
    const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const out = path.join(into, name, 'dist', path.relative(src, file).replace(/\.ts$/, '.js'));
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, outputText);
  }
  await writeFile(
    path.join(into, name, 'package.json'),
    await readFile(path.join(sourceRoot, name, 'package.json')),
  );
}

async function linkModules(into: string): Promise<void> {
  const modules = path.join(into, 'node_modules');
  await mkdir(path.join(modules, '@pcm-ops'), { recursive: true });
  for (const entry of await readdir(path.join(repoRoot, 'node_modules'))) {
    if (entry === '@pcm-ops' || entry.startsWith('.')) continue;
    await symlink(path.join(repoRoot, 'node_modules', entry), path.join(modules, entry));
  }
  await symlink(path.join(into, 'crds'), path.join(modules, '@pcm-ops', 'crds'));
}

export interface CompiledOperator {
  main: string;
  /** the Manager module, for loading the operator's code without starting it */
  manager: string;
  remove(): Promise<void>;
}

/**
 * Transpiles crds and operator into a temporary directory; remove() deletes it. `sourceRoot` is
 * the repository by default (another checkout, to compare two versions of the operator).
 */
export async function compileOperator(sourceRoot = repoRoot): Promise<CompiledOperator> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-bench-operator-'));
  try {
    await transpilePackage('crds', dir, sourceRoot);
    await transpilePackage('operator', dir, sourceRoot);
    await linkModules(dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    main: path.join(dir, 'operator', 'dist', 'main.js'),
    manager: path.join(dir, 'operator', 'dist', 'manager.js'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function operatorEnv(options: OperatorOptions, port: number, identity: string): NodeJS.ProcessEnv {
  const { accessKeyId, secretAccessKey, sessionToken } = options.ambient;
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    KUBECONFIG: options.kubeconfigPath,
    PCM_OPS_NAMESPACE: options.namespace,
    PCM_OPS_POD_NAMESPACE: options.namespace,
    PCM_OPS_IDENTITY: identity,
    PCM_OPS_HTTP_HOST: '127.0.0.1',
    PCM_OPS_HTTP_PORT: String(port),
    PCM_OPS_AWS_ENDPOINT_URL: options.emulatorEndpoint,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    ...(sessionToken ? { AWS_SESSION_TOKEN: sessionToken } : {}),
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...options.env,
  };
}

/** Starts the compiled operator with the settings startOperator gives the tsx one. */
export async function startCompiledOperator(
  compiled: CompiledOperator,
  options: OperatorOptions,
): Promise<BenchOperator> {
  const port = await freePort();
  const identity = options.identity ?? `operator-${port}`;
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-operator-log-'));
  const logPath = path.join(logDir, `${identity}.log`);
  const proc = await startProcess({
    name: identity,
    command: process.execPath,
    args: [compiled.main],
    logPath,
    cwd: path.dirname(path.dirname(path.dirname(compiled.main))),
    env: operatorEnv(options, port, identity),
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    `operator ${identity} /healthz`,
    async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined),
    { timeoutMs: 60_000, watch: proc },
  );
  const metrics = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();
  return {
    process: proc,
    logPath,
    metrics,
    metric: async (name) => metricValue(await metrics(), name),
    stop: () => stopProcess(proc),
  };
}
