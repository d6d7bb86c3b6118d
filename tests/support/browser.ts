// A real browser for console tests: Debian chromium driven by playwright-core, plus the console's
// page build, rebuilt when the app sources are newer than it.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll } from 'vitest';

export { ensureConsoleBuild } from '../infra/console-build.js';

const CHROMIUM = '/usr/bin/chromium';

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
