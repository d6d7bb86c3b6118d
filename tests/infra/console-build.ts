// The console's page build (`remix vite:build` into console/build), rebuilt when it is missing or
// older than the app's sources: shared by the demo, the browser tests and the benchmark.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const CONSOLE_DIR = path.join(import.meta.dirname, '..', '..', 'console');
const SERVER_BUILD = path.join(CONSOLE_DIR, 'build', 'server', 'index.js');

function newestMtime(entry: string): number {
  const info = statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(
    info.mtimeMs,
    ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))),
  );
}

export function consoleBuildIsStale(): boolean {
  const sources = Math.max(
    newestMtime(path.join(CONSOLE_DIR, 'app')),
    newestMtime(path.join(CONSOLE_DIR, 'vite.config.ts')),
  );
  return !existsSync(SERVER_BUILD) || statSync(SERVER_BUILD).mtimeMs < sources;
}

/** Runs `remix vite:build` when the page build is stale; resolves with its output, if it ran. */
export async function ensureConsoleBuild(): Promise<string | undefined> {
  if (!consoleBuildIsStale()) return undefined;
  const { stdout, stderr } = await promisify(execFile)('npx', ['remix', 'vite:build'], {
    cwd: CONSOLE_DIR,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout + stderr;
}
