// A real browser for console tests: Debian chromium driven by playwright-core, plus the console's
// page build, rebuilt when the app sources are newer than it.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));
const SERVER_BUILD = path.join(CONSOLE_DIR, 'build', 'server', 'index.js');

function newestMtime(entry: string): number {
  const info = statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(
    info.mtimeMs,
    ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))),
  );
}

/** Runs `remix vite:build` when build/ is missing or older than app/ or vite.config.ts. */
export async function ensureConsoleBuild(): Promise<void> {
  const sources = Math.max(
    newestMtime(path.join(CONSOLE_DIR, 'app')),
    newestMtime(path.join(CONSOLE_DIR, 'vite.config.ts')),
  );
  if (existsSync(SERVER_BUILD) && statSync(SERVER_BUILD).mtimeMs >= sources) return;
  await promisify(execFile)('npx', ['remix', 'vite:build'], {
    cwd: CONSOLE_DIR,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Launches headless chromium with a fresh profile; closed after the calling test file. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser tests need Debian chromium at ${CHROMIUM}: run apt-get install -y chromium`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  afterAll(() => browser.close());
  return browser;
}

/** A new page in its own context (own cookies), logged in through the console's /login form. */
export async function loggedInPage(browser: Browser, origin: string, token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${origin}/login`);
  await page.waitForSelector('form[data-hydrated]');
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${origin}/`), page.click('button[type=submit]')]);
  return page;
}
