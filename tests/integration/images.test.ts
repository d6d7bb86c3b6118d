// The container images, without a container engine (none runs here): hadolint passes on both
// Dockerfiles, each image runs as the non-root user the chart expects from a file its build
// produces, and the Dockerfiles' own steps, run in directories standing for the stages, build a
// program that starts and serves.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, stopProcess, waitFor } from '../infra/processes.js';
import { ensureHadolint } from '../infra/tools.js';
import { runDockerfile } from '../support/dockerfile.js';

const repoRoot = path.join(import.meta.dirname, '..', '..');
const DOCKERFILES = ['operator/Dockerfile', 'console/Dockerfile'];
const RUNTIME = (
  JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    devEngines: { runtime: { version: string } };
  }
).devEngines.runtime.version;

interface Finding {
  code: string;
  line: number;
  message: string;
}

let hadolint: string;
beforeAll(async () => {
  hadolint = await ensureHadolint();
});

function lint(dockerfile: string): Promise<{ code: number; findings: Finding[] }> {
  return new Promise((resolve) => {
    execFile(hadolint, ['--format', 'json', '-'], (error, stdout) => {
      resolve({ code: error ? 1 : 0, findings: JSON.parse(stdout || '[]') as Finding[] });
    }).stdin?.end(dockerfile);
  });
}

/** The instructions of the last stage: what the image runs with. */
function finalStage(dockerfile: string): string[] {
  const lines = dockerfile.split('\n').filter((l) => /^[A-Z]+ /.test(l));
  const from = lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true);
  return lines.slice(from);
}

describe('the Dockerfiles', () => {
  it('hadolint reports findings when there are some', async () => {
    const result = await lint('FROM node\nRUN cd /app && npm install\n');
    expect(result.code).not.toBe(0);
    expect(result.findings.map((f) => f.code)).toContain('DL3006'); // untagged base image
  });

  it.each(DOCKERFILES)('%s passes hadolint with no finding', async (file) => {
    const result = await lint(readFileSync(path.join(repoRoot, file), 'utf8'));
    expect(result.findings).toEqual([]);
    expect(result.code).toBe(0);
  });

  it.each(DOCKERFILES)(
    '%s builds in stages and runs as the chart’s non-root user',
    async (file) => {
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
      const last = finalStage(text);
      expect(last[0]).toMatch(/^FROM gcr\.io\/distroless\/nodejs\d+-debian12:nonroot/);
      expect(last).toContain('USER 65532:65532');
      const chartUser = readFileSync(
        path.join(repoRoot, 'charts', 'pcm-ops', 'templates', '_helpers.tpl'),
        'utf8',
      );
      expect(chartUser).toContain('runAsUser: 65532');
    },
  );

  it.each(DOCKERFILES)(
    '%s builds and runs on the Node.js major the tests run on, the one package.json pins',
    (file) => {
      const text = readFileSync(path.join(repoRoot, file), 'utf8');
      const pinned = RUNTIME.split('.')[0];
      const build = /^FROM node:(\d+)\.\d+-bookworm-slim AS build$/m.exec(text)?.[1];
      const run = /^FROM gcr\.io\/distroless\/nodejs(\d+)-debian12:nonroot$/m.exec(text)?.[1];
      expect({ build, run }).toEqual({ build: pinned, run: pinned });
      // `npm test` runs the suites through scripts/bootstrap.mjs, on that runtime.
      expect(process.versions.node.split('.')[0]).toBe(pinned);
    },
  );

  it.each(DOCKERFILES)('%s copies only what exists and starts a compiled entry point', (file) => {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    for (const [, sources] of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of sources!.split(' ')) {
        expect(existsSync(path.join(repoRoot, source)), `${file}: COPY ${source}`).toBe(true);
      }
    }
    const entry = /^ENTRYPOINT \["\/nodejs\/bin\/node", "(.+)"\]$/m.exec(text)?.[1];
    expect(entry, `${file}: ENTRYPOINT`).toBeDefined();
    // <workspace>/dist/x.js is compiled from the workspace's rootDir (src/ or server/).
    const [workspace, , base] = entry!.split('/');
    const rootDir = workspace === 'console' ? 'server' : 'src';
    const source = path.join(repoRoot, workspace!, rootDir, base!.replace(/\.js$/, '.ts'));
    expect(existsSync(source), `${entry} comes from ${source}`).toBe(true);
  });
});

/** A kubeconfig whose API server never answers: enough for a process to start and serve /healthz. */
async function unreachableKubeconfig(): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-image-kc-')), 'kubeconfig');
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'none', cluster: { server: 'https://127.0.0.1:9' } }],
      users: [{ name: 'none', user: { token: 'none' } }],
      contexts: [{ name: 'none', context: { cluster: 'none', user: 'none' } }],
      'current-context': 'none',
    }),
  );
  return file;
}

describe('the Dockerfile steps, run without a container engine', () => {
  it.each([
    [
      'operator/Dockerfile',
      (port: number) => ({ PCM_OPS_HTTP_PORT: String(port), PCM_OPS_HTTP_HOST: '127.0.0.1' }),
    ],
    [
      'console/Dockerfile',
      (port: number) => ({
        PORT: String(port),
        HOST: '127.0.0.1',
        SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
        SECURE_COOKIES: 'false',
      }),
    ],
  ])('%s builds from a clean checkout into a program that serves', async (file, settings) => {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    const final = await runDockerfile(repoRoot, text, { npm_config_prefer_offline: 'true' });
    const [binary, ...args] = final.entrypoint!;
    expect(binary).toBe('/nodejs/bin/node'); // distroless' node, here this machine's
    const port = await freePort();
    const proc = await startProcess({
      name: `image-${path.dirname(file)}`,
      command: process.execPath,
      args,
      cwd: path.join(final.root, final.workdir),
      logPath: path.join(final.root, 'run.log'),
      env: { ...final.env, KUBECONFIG: await unreachableKubeconfig(), ...settings(port) },
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        `${file} /healthz`,
        async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined),
        { timeoutMs: 60_000, watch: proc },
      );
      if (file.startsWith('console')) {
        const login = await fetch(`${base}/login`);
        const html = await login.text();
        expect(login.status, html).toBe(200);
        expect(html).toContain('<title>Log in · PCM-Ops</title>');
        const asset = /\/assets\/[A-Za-z0-9._-]+\.js/.exec(html)![0];
        expect((await fetch(`${base}${asset}`)).status).toBe(200);
      }
    } finally {
      await stopProcess(proc);
      await rm(path.dirname(final.root), { recursive: true, force: true });
    }
  });
});
