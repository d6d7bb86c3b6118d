// The console behind an authenticating proxy: every request carries the user's token in a header
// the proxy sets (oauth2-proxy's --pass-authorization-header puts the OIDC ID token in
// Authorization). The API server here validates ServiceAccount JWTs where a cluster would validate
// the OIDC issuer's; the console's side, the same review a login makes, is what is under test.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { createConsoleApp, createConsoleLogger } from '@pcm-ops/console';
import { GROUP, KINDS, VERSION } from '@pcm-ops/crds';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureConsoleBuild, launchBrowser } from '../support/browser.js';
import { logProblems, send, userToken, type RawResponse } from '../support/console.js';
import { adminKubeConfig, testNamespace } from '../support/kube.js';

let namespace: string;
let editorToken: string;
let viewerToken: string;
let refreshedToken: string;
const servers: Server[] = [];
/** What every console this file starts logs. */
const logLines: string[] = [];

async function startConsole(proxyAuthHeader?: string): Promise<number> {
  const cluster = adminKubeConfig().getCurrentCluster()!;
  const app = createConsoleApp({
    kubeServer: inject('kubeServer'),
    caPem: Buffer.from(cluster.caData ?? '', 'base64').toString('utf8'),
    sessionSecret: randomBytes(32).toString('hex'),
    secureCookies: false,
    ...(proxyAuthHeader ? { proxyAuthHeader } : {}),
    logger: createConsoleLogger('debug', { write: (line: string) => void logLines.push(line) }),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

let port: number;

const executions = (): string =>
  `/k8s/apis/${GROUP}/${VERSION}/namespaces/${namespace}/scriptexecutions`;

function asProxied(
  token: string,
  request: { method?: string; path: string; headers?: Record<string, string>; body?: unknown },
): Promise<RawResponse> {
  return send(port, {
    method: request.method ?? 'GET',
    path: request.path,
    headers: {
      authorization: `Bearer ${token}`,
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...request.headers,
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
}

const execution = (name: string): object => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'ScriptExecution',
  metadata: { name },
  spec: {
    script: { interpreter: 'sh', body: 'uptime' },
    targets: [{ credentialRef: { name: 'prod' }, instanceIds: ['i-0123456789abcdef0'] }],
    suspend: true,
  },
});

beforeAll(async () => {
  namespace = await testNamespace('console-oidc');
  const read = {
    apiGroups: [GROUP],
    resources: KINDS.map((kind) => kind.plural),
    verbs: ['get', 'list', 'watch'],
  };
  editorToken = await userToken(namespace, 'proxied-editor', [
    { ...read, verbs: [...read.verbs, 'create'] },
  ]);
  viewerToken = await userToken(namespace, 'proxied-viewer', [read]);
  port = await startConsole('authorization');
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('console behind an authenticating proxy', () => {
  it('serves a request carrying the proxied token as that user, with no login', async () => {
    const me = await asProxied(editorToken, { path: '/auth/me' });
    expect(me.status).toBe(200);
    expect(me.json().user).toMatchObject({
      username: `system:serviceaccount:${namespace}:proxied-editor`,
    });
    expect(me.headers['set-cookie']).toBeUndefined();
    const list = await asProxied(editorToken, { path: executions() });
    expect(list.status).toBe(200);
    expect(list.json().kind).toBe('ScriptExecutionList');
  });

  it('creates with the session CSRF token, and refuses a mutation without it', async () => {
    const { csrfToken } = (await asProxied(editorToken, { path: '/auth/me' })).json();
    const created = await asProxied(editorToken, {
      method: 'POST',
      path: executions(),
      headers: { 'x-csrf-token': String(csrfToken) },
      body: execution('proxied-create'),
    });
    expect(created.status).toBe(201);
    const forged = await asProxied(editorToken, {
      method: 'POST',
      path: executions(),
      body: execution('proxied-forged'),
    });
    expect(forged.status).toBe(403);
    expect(forged.json().source).toBe('console');
  });

  it('leaves the decision to RBAC: a viewer is refused by the API server', async () => {
    const { csrfToken } = (await asProxied(viewerToken, { path: '/auth/me' })).json();
    const refused = await asProxied(viewerToken, {
      method: 'POST',
      path: executions(),
      headers: { 'x-csrf-token': String(csrfToken) },
      body: execution('proxied-viewer'),
    });
    expect(refused.status).toBe(403);
    expect(refused.json().source).not.toBe('console');
    expect(refused.text).toContain('proxied-viewer');
  });

  it('keeps one session per token, and a refreshed token starts another', async () => {
    const first = (await asProxied(editorToken, { path: '/auth/me' })).json().csrfToken;
    const again = (await asProxied(editorToken, { path: '/auth/me' })).json().csrfToken;
    expect(again).toBe(first);
    refreshedToken = await userTokenAgain('proxied-editor');
    const next = (await asProxied(refreshedToken, { path: '/auth/me' })).json();
    expect(next.csrfToken).not.toBe(first);
    expect(next.user).toMatchObject({
      username: `system:serviceaccount:${namespace}:proxied-editor`,
    });
  });

  it('refuses a token the API server does not accept, naming the header', async () => {
    const refused = await asProxied('not-a-real-token', { path: `/aws/executions` });
    expect(refused.status).toBe(401);
    expect(refused.json().message).toContain('authorization');
    expect(refused.text).not.toContain('not-a-real-token');
  });

  it('ignores the header when the option is off: only the login form makes sessions', async () => {
    const plain = await startConsole();
    const me = await send(plain, {
      method: 'GET',
      path: '/auth/me',
      headers: { authorization: `Bearer ${editorToken}` },
    });
    expect(me.status).toBe(401);
  });

  it('reads another header holding the bare token, such as X-Forwarded-Access-Token', async () => {
    const other = await startConsole('x-forwarded-access-token');
    const me = await send(other, {
      method: 'GET',
      path: '/auth/me',
      headers: { 'x-forwarded-access-token': viewerToken },
    });
    expect(me.status).toBe(200);
    expect(me.json().user).toMatchObject({
      username: `system:serviceaccount:${namespace}:proxied-viewer`,
    });
  });

  it('shows a browser the pages as the proxied user, never the login form', async () => {
    await ensureConsoleBuild();
    const browser = await launchBrowser();
    // what the proxy does to every request the browser makes
    const context = await browser.newContext({
      extraHTTPHeaders: { authorization: `Bearer ${viewerToken}` },
    });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('.who .user').textContent()).resolves.toBe(
      `system:serviceaccount:${namespace}:proxied-viewer`,
    );
    await expect(page.locator('h1').first().textContent()).resolves.toContain('Dashboard');
    await context.close();
  });

  it('logged the proxied users by name, never the tokens the proxy passed', () => {
    const requests = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(requests).toContainEqual(
      expect.objectContaining({
        msg: 'request',
        path: '/auth/me',
        user: `system:serviceaccount:${namespace}:proxied-editor`,
      }),
    );
    const tokens = {
      'editor token': editorToken,
      'viewer token': viewerToken,
      'refreshed editor token': refreshedToken,
      'refused token': 'not-a-real-token',
    };
    expect(logProblems(logLines, tokens)).toEqual([]);
  });
});

/** A second, distinct token for the same ServiceAccount, as a proxy's refresh would bring. */
async function userTokenAgain(name: string): Promise<string> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  return request.status!.token!;
}
