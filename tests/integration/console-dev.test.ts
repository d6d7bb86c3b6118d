// `npm run console:dev`: the pages from a Vite dev server behind the console's own Koa server, so
// the login, proxy and CSP are the production ones. Server rendering works, Vite serves modules,
// and a browser hydrates, connects hot reload and logs in without a CSP violation.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GROUP, KINDS } from '@pcm-ops/crds';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  freePort,
  startProcess,
  stopProcess,
  waitFor,
  type ManagedProcess,
} from '../infra/processes.js';
import { launchBrowser, loggedInPage } from '../support/browser.js';
import { userToken } from '../support/console.js';
import { testNamespace } from '../support/kube.js';

const repoRoot = path.join(import.meta.dirname, '..', '..');
let origin: string;
let dev: ManagedProcess;
let logDir: string;

beforeAll(async () => {
  const port = await freePort();
  logDir = await mkdtemp(path.join(os.tmpdir(), 'pcm-ops-console-dev-'));
  dev = await startProcess({
    name: 'console-dev',
    command: 'npm',
    args: ['run', 'console:dev'],
    cwd: repoRoot,
    logPath: path.join(logDir, 'console-dev.log'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUBECONFIG: inject('kubeconfigPath'),
      HOST: '127.0.0.1',
      PORT: String(port),
    },
  });
  origin = `http://127.0.0.1:${port}`;
  await waitFor(
    'the development console',
    async () => ((await fetch(`${origin}/healthz`)).ok ? true : undefined),
    { timeoutMs: 180_000, intervalMs: 500, watch: dev },
  );
});

afterAll(async () => {
  if (dev) await stopProcess(dev);
  if (logDir && process.env.PCM_OPS_KEEP_DATA !== '1') await rm(logDir, { recursive: true });
});

function nonceOf(csp: string | null): string {
  const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? '')?.[1];
  if (!nonce) throw new Error(`no script nonce in the CSP: ${csp}`);
  return nonce;
}

describe('console development mode', () => {
  it('renders pages on the server from the sources, with the nonce on every script', async () => {
    const response = await fetch(`${origin}/login`);
    expect(response.status).toBe(200);
    const nonce = nonceOf(response.headers.get('content-security-policy'));
    const html = await response.text();
    expect(html).toContain('<h1>Log in</h1>');
    // the browser entry is the source module Vite serves, not a built bundle
    expect(html).toContain('/app/root.tsx');
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('serves the HMR client, app modules and the stylesheet from Vite', async () => {
    const client = await fetch(`${origin}/@vite/client`);
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/javascript/);
    const root = await fetch(`${origin}/app/root.tsx`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('NonceContext');
    // as a <link rel=stylesheet> asks for it
    const styles = await fetch(`${origin}/app/styles.css`, { headers: { accept: 'text/css' } });
    expect(styles.status).toBe(200);
    expect(styles.headers.get('content-type')).toMatch(/css/);
  });

  it('keeps the console routes in front: the proxy and login answer, not Vite', async () => {
    const me = await fetch(`${origin}/auth/me`);
    expect(me.status).toBe(401);
    const secrets = await fetch(`${origin}/k8s/api/v1/secrets`);
    expect(secrets.status).toBe(403);
  });

  it('hydrates, connects hot reload and logs in, with no CSP violation', async () => {
    const namespace = await testNamespace('console-dev');
    const read = {
      apiGroups: [GROUP],
      resources: KINDS.map((kind) => kind.plural),
      verbs: ['get', 'list', 'watch'],
    };
    const token = await userToken(namespace, 'dev-viewer', [read]);
    const browser = await launchBrowser();
    const messages: string[] = [];
    const page = await loggedInPage(browser, origin, token);
    page.on('console', (message) => messages.push(message.text()));
    await page.goto(`${origin}/`);
    await expect(page.locator('h1').first().textContent()).resolves.toContain('Dashboard');
    await expect.poll(() => messages, { timeout: 30_000 }).toContain('[vite] connected.');
    expect(messages.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
  });
});
