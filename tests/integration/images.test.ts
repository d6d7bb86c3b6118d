// The container images, checked statically (no container engine runs here): hadolint passes on
// both Dockerfiles, and each image runs as the non-root user the chart expects from a file its
// build produces.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureHadolint } from '../infra/tools.js';

const repoRoot = path.join(import.meta.dirname, '..', '..');
const DOCKERFILES = ['operator/Dockerfile', 'console/Dockerfile'];

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
      expect(last[0]).toMatch(/^FROM gcr\.io\/distroless\/nodejs20-debian12:nonroot/);
      expect(last).toContain('USER 65532:65532');
      const chartUser = readFileSync(
        path.join(repoRoot, 'charts', 'pcm-ops', 'templates', '_helpers.tpl'),
        'utf8',
      );
      expect(chartUser).toContain('runAsUser: 65532');
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
