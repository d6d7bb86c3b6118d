// The console for the benchmark: its Koa server in this process against the bench's control plane,
// a logged-in user with read access to PCM-Ops objects, and headless chromium (playwright-core).
// The test suite's helpers in tests/support register vitest hooks, so the benchmark has its own.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { GROUP, KINDS } from '@pcm-ops/crds';
import { createConsoleApp, createConsoleLogger } from '@pcm-ops/console';
import { chromium, type Browser, type Page } from 'playwright-core';
export { ensureConsoleBuild } from '../infra/console-build.js';
import type { BenchEnv } from './env.js';
import { countOwnRequest } from './kube.js';

const CHROMIUM = '/usr/bin/chromium';

export interface BenchConsole {
  origin: string;
  close(): Promise<void>;
}

export async function startBenchConsole(env: BenchEnv): Promise<BenchConsole> {
  const cluster = env.admin.getCurrentCluster()!;
  const app = createConsoleApp({
    kubeServer: env.plane.server,
    caPem: Buffer.from(cluster.caData ?? '', 'base64').toString('utf8'),
    sessionSecret: randomBytes(32).toString('hex'),
    secureCookies: false,
    // Request lines are written as in a cluster, at info, but not onto the bench's own output.
    logger: createConsoleLogger('info', { write: () => undefined }),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A ServiceAccount that may read every PCM-Ops kind in `namespace`, and a token for it. */
export async function readerToken(env: BenchEnv, namespace: string): Promise<string> {
  const name = 'bench-reader';
  const rbac = env.admin.makeApiClient(RbacAuthorizationV1Api);
  const core = env.admin.makeApiClient(CoreV1Api);
  const rules = [
    {
      apiGroups: [GROUP],
      resources: KINDS.map((kind) => kind.plural),
      verbs: ['get', 'list', 'watch'],
    },
  ];
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  for (let i = 0; i < 5; i += 1) countOwnRequest();
  return request.status!.token!;
}

/** Logs in through the console's API and returns the session cookie. */
export async function loginCookie(origin: string, token: string): Promise<string> {
  const response = await fetch(`${origin}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.status !== 200) throw new Error(`console login failed: ${response.status}`);
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
  if (!cookie) throw new Error('console login set no cookie');
  return cookie;
}

/** Time to the response's first byte and to its last, for one GET with the session cookie. */
export function timedGet(
  url: string,
  cookie: string,
): Promise<{ status: number; firstByteMs: number; totalMs: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    let firstByteMs: number | undefined;
    let bytes = 0;
    const request = http.get(url, { headers: { cookie } }, (response) => {
      response.on('data', (chunk: Buffer) => {
        firstByteMs ??= performance.now() - began;
        bytes += chunk.length;
      });
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          firstByteMs: firstByteMs ?? performance.now() - began,
          totalMs: performance.now() - began,
          bytes,
        }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`the console figures need Debian chromium at ${CHROMIUM}`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
  });
}

/** A page in its own context logged in through the /login form, as a person would. */
export async function loggedInPage(browser: Browser, origin: string, token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${origin}/login`);
  await page.waitForSelector('form[data-hydrated]');
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${origin}/`), page.click('button[type=submit]')]);
  return page;
}
