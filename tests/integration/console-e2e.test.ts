// The console in a real browser against the real control plane, operator and AWS emulator: log in,
// watch an execution finish without reloading, read hostile output as plain text, see Cancel
// follow RBAC, take the screenshots the README shows, and log no token, cookie or CSRF token.
import { GROUP, KINDS } from '@pcm-ops/crds';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuild, launchBrowser, loggedInPage } from '../support/browser.js';
import {
  logProblems,
  requestLogLines,
  startConsole,
  userToken,
  type RunningConsole,
} from '../support/console.js';
import { execution, useOperator } from '../support/harness.js';

const ACCOUNT = '210987654321';
const REGION = 'us-east-1';
const HOSTILE = '<script>window.__pwned=1</script><b>bold</b>\u001b[31mred';
const SHOWN = '<script>window.__pwned=1</script><b>bold</b>red';
const plurals = KINDS.map((kind) => kind.plural);
const harness = useOperator('console-e2e');

let browser: Browser;
let running: RunningConsole;
let origin: string;
let editor: Page;
let editorToken: string;
let viewerToken: string;
let instanceIds: string[];
const cspViolations: string[] = [];

function watchCsp(page: Page): void {
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
}

const detailUrl = (name: string): string => `${origin}/aws/executions/${harness.namespace}/${name}`;

beforeAll(async () => {
  const started = Date.now();
  await ensureConsoleBuild();
  const built = Date.now();
  const [console_, launched] = await Promise.all([startConsole(), launchBrowser()]);
  running = console_;
  origin = `http://127.0.0.1:${console_.port}`;
  browser = launched;
  const fleet = await harness.fleet({
    accounts: [ACCOUNT],
    regions: [REGION],
    perRegion: 3,
    windowsShare: 0,
  });
  instanceIds = fleet.instanceIds;
  await harness.emulator.setLifecycle({ pendingSeconds: 1, runningSeconds: 3 });
  await harness.emulator.scriptOutcome({ instanceId: instanceIds[0], stdout: HOSTILE });
  await harness.emulator.scriptOutcome({ commandContains: 'sleep-long', runningSeconds: 120 });
  const read = { apiGroups: [GROUP], resources: plurals, verbs: ['get', 'list', 'watch'] };
  editorToken = await userToken(harness.namespace, 'console-editor', [
    { ...read, verbs: [...read.verbs, 'patch'] },
  ]);
  viewerToken = await userToken(harness.namespace, 'console-viewer', [read]);
  editor = await loggedInPage(browser, origin, editorToken);
  watchCsp(editor);
  console.info(`console e2e setup: build ${built - started} ms, rest ${Date.now() - built} ms`);
});

describe('console in a browser', () => {
  it('serves pages with a per-request script nonce in the CSP', async () => {
    const response = await editor.goto(`${origin}/`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'/);
    const again = await editor.request.get(`${origin}/`);
    expect(again.headers()['content-security-policy']).not.toBe(csp);
    await expect(editor.locator('h1').first().textContent()).resolves.toContain('Dashboard');
  });

  it('shows an execution reach Succeeded live, without reloading', async () => {
    await harness.objects.create(execution('live-run', [ACCOUNT], [REGION]));
    await editor.goto(detailUrl('live-run'));
    const firstPhase = await editor.locator('[data-phase]').textContent();
    expect(firstPhase).not.toBe('Succeeded');
    await editor.evaluate(
      () => ((globalThis as unknown as { __sameDocument: number }).__sameDocument = 1),
    );
    const seen = new Set<string>([firstPhase ?? '']);
    const deadline = Date.now() + 60_000;
    while (!seen.has('Succeeded') && Date.now() < deadline) {
      seen.add((await editor.locator('[data-phase]').textContent()) ?? '');
      await editor.waitForTimeout(100);
    }
    expect(seen).toContain('Succeeded');
    await expect
      .poll(() => editor.locator('[data-status]').allTextContents(), { timeout: 10_000 })
      .toEqual(instanceIds.map(() => 'Success'));
    await expect(editor.locator('[data-count=succeeded]').textContent()).resolves.toBe('3');
    const same = await editor.evaluate(
      () => (globalThis as unknown as { __sameDocument?: number }).__sameDocument,
    );
    expect(same).toBe(1);
  });

  it('shows hostile script output as literal text', async () => {
    await editor.click(`[data-instance="${instanceIds[0]}"] a`);
    const output = editor.locator('pre.output-text');
    await output.waitFor();
    const text = (await output.textContent()) ?? '';
    expect(text).toContain(SHOWN);
    expect(text).not.toContain('\u001b');
    expect(await editor.locator('pre.output-text *').count()).toBe(0);
    expect(
      await editor.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned),
    ).toBe(undefined);
    expect(editor.url()).toContain(`target=${instanceIds[0]}`);
  });

  it('cancels a running execution for a user who may patch', async () => {
    await harness.objects.create(
      execution('long-run', [ACCOUNT], [REGION], {
        script: { interpreter: 'bash', body: 'sleep-long 600' },
      }),
    );
    await editor.goto(detailUrl('long-run'));
    const cancel = editor.getByRole('button', { name: 'Cancel' });
    await expect.poll(() => cancel.isEnabled(), { timeout: 30_000 }).toBe(true);
    await cancel.click();
    await expect
      .poll(() => editor.locator('[data-phase]').textContent(), { timeout: 60_000 })
      .toBe('Cancelled');
  });

  it('disables Cancel with the reason for a read-only user', async () => {
    await harness.objects.create(
      execution('viewer-run', [ACCOUNT], [REGION], {
        script: { interpreter: 'bash', body: 'sleep-long 600' },
      }),
    );
    const viewer = await loggedInPage(browser, origin, viewerToken);
    watchCsp(viewer);
    await viewer.goto(detailUrl('viewer-run'));
    const cancel = viewer.getByRole('button', { name: 'Cancel' });
    expect(await cancel.isDisabled()).toBe(true);
    await expect(viewer.locator('.actions .reason').textContent()).resolves.toMatch(
      /RBAC does not let you patch scriptexecutions/,
    );
    await viewer.context().close();
  });

  it('takes light and dark screenshots of the dashboard and an execution', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await editor.emulateMedia({ colorScheme });
      await editor.goto(`${origin}/`);
      await editor.screenshot({ path: `docs/screenshots/dashboard-${colorScheme}.png` });
      await editor.goto(`${detailUrl('live-run')}?target=${instanceIds[0]}`);
      await editor.locator('pre.output-text').waitFor();
      await editor.screenshot({ path: `docs/screenshots/execution-${colorScheme}.png` });
    }
  });

  it('logged every request as JSON with its id, and no token, cookie or CSRF token', async () => {
    const cookies = await editor.context().cookies(origin);
    const me = (await (await editor.request.get(`${origin}/auth/me`)).json()) as {
      csrfToken?: string;
    };
    const secrets = {
      'editor login token': editorToken,
      'viewer login token': viewerToken,
      'editor session cookie': cookies.find((c) => c.name === 'pcm_ops_session')?.value ?? '',
      'editor CSRF token': me.csrfToken ?? '',
      'session secret': running.sessionSecret,
    };
    for (const [label, secret] of Object.entries(secrets)) {
      expect(secret.length, label).toBeGreaterThan(15);
    }
    const lines = running.logLines;
    expect(requestLogLines(lines).some((line) => line.includes('"path":"/events/'))).toBe(true);
    const planted = JSON.stringify({ msg: 'request', requestId: 'x', user: editorToken });
    expect(logProblems([planted], secrets)).toEqual(['line 0 holds the editor login token']);

    expect(logProblems(lines, secrets)).toEqual([]);
  });

  it('ran every page without a Content Security Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
