// The console's Koa server in front of the real control plane: login with ServiceAccount tokens,
// Kubernetes RBAC deciding through the proxy, the allowlist, CSRF, Secret redaction and SSE resume,
// and the metrics and request lines those requests leave behind.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, KINDS } from '@pcm-ops/crds';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  login,
  logProblems,
  metricSample,
  openEvents,
  send,
  startConsole,
  userToken,
  type ConsoleSession,
  type RawResponse,
  type RunningConsole,
} from '../support/console.js';
import { adminKubeConfig, testNamespace } from '../support/kube.js';
import { Objects } from '../support/objects.js';

const PCM = '/k8s/apis/pcm-ops.io/v1alpha1';
const plurals = KINDS.map((kind) => kind.plural);
const secretValue = `s3cr3t-${randomBytes(12).toString('hex')}`;
const secretForms = [secretValue, Buffer.from(secretValue).toString('base64')];
/** Every response body this file received through the console, checked for Secret values. */
const bodies: string[] = [];

let running: RunningConsole;
let port: number;
let namespace: string;
let viewer: ConsoleSession;
let editor: ConsoleSession;
let objects: Objects;

function record(response: RawResponse): RawResponse {
  bodies.push(response.text);
  return response;
}

function script(name: string): Record<string, unknown> {
  return {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'Script',
    metadata: { name },
    spec: { interpreter: 'bash', body: 'echo hello' },
  };
}

beforeAll(async () => {
  namespace = await testNamespace('console');
  running = await startConsole({ heartbeatMs: 300 });
  port = running.port;
  objects = new Objects(namespace, adminKubeConfig());
  const read = { apiGroups: [GROUP], resources: plurals, verbs: ['get', 'list', 'watch'] };
  const viewerToken = await userToken(namespace, 'viewer', [read]);
  const editorToken = await userToken(namespace, 'editor', [
    { ...read, verbs: ['get', 'list', 'watch', 'create'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  ]);
  viewer = await login(port, viewerToken);
  editor = await login(port, editorToken);
});

describe('login', () => {
  it('names the user the API server knows and sets a strict httpOnly cookie', async () => {
    const me = record(await viewer.request('GET', '/auth/me'));
    expect(me.status).toBe(200);
    expect(me.json().user).toMatchObject({
      username: `system:serviceaccount:${namespace}:viewer`,
    });
    expect(me.json().csrfToken).toBe(viewer.csrfToken);
    const again = await send(port, {
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=not-a-token',
    });
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('sets the session cookie httpOnly and SameSite=Strict, and sends a plain form on to the console', async () => {
    const token = await userToken(namespace, 'cookie-check', []);
    const response = await send(port, {
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(token)}`,
    });
    // a browser without the page's script posted the form itself: it is sent on, not given JSON
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/');
    const cookie = response.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=strict/i);
  });

  it('refuses the proxy without a session, and ends the session on logout', async () => {
    const anonymous = await send(port, { method: 'GET', path: `${PCM}/namespaces/x/scripts` });
    expect(anonymous.status).toBe(401);
    const token = await userToken(namespace, 'leaver', []);
    const leaver = await login(port, token);
    expect((await leaver.request('POST', '/auth/logout', undefined, { csrf: false })).status).toBe(
      403,
    );
    expect((await leaver.request('POST', '/auth/logout')).status).toBe(204);
    expect((await leaver.request('GET', '/auth/me')).status).toBe(401);
  });
});

describe('proxy as a read-only user', () => {
  it('lists PCM-Ops objects, with security headers', async () => {
    await objects.create(script('listed') as never);
    const list = record(await viewer.request('GET', `${PCM}/namespaces/${namespace}/scripts`));
    expect(list.status).toBe(200);
    expect(list.json().kind).toBe('ScriptList');
    expect(list.text).toContain('"listed"');
    expect(list.headers['content-security-policy']).toContain("default-src 'self'");
    expect(list.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(list.headers['x-content-type-options']).toBe('nosniff');
    expect(list.headers['referrer-policy']).toBe('same-origin');
    expect(list.headers['cache-control']).toBe('no-store');
  });

  it('passes a forged POST with a valid CSRF token to the API server, which refuses it', async () => {
    const forged = record(
      await viewer.request('POST', `${PCM}/namespaces/${namespace}/scriptexecutions`, {
        apiVersion: `${GROUP}/v1alpha1`,
        kind: 'ScriptExecution',
        metadata: { name: 'forged' },
        spec: { scriptRef: { name: 'listed' } },
      }),
    );
    expect(forged.status).toBe(403);
    expect(forged.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(forged.json().source).toBeUndefined();
  });

  it('refuses a mutation without the CSRF token before the API server sees it', async () => {
    const body = script('no-csrf');
    const missing = record(
      await editor.request('POST', `${PCM}/namespaces/${namespace}/scripts`, body, {
        csrf: false,
      }),
    );
    expect(missing.status).toBe(403);
    expect(missing.json()).toMatchObject({ source: 'console' });
    expect(String(missing.json().message)).toContain('CSRF');
    const wrong = await send(port, {
      method: 'POST',
      path: `${PCM}/namespaces/${namespace}/scripts`,
      headers: {
        cookie: editor.cookie,
        'x-csrf-token': viewer.csrfToken,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    expect(wrong.status).toBe(403);
    expect(wrong.json()).toMatchObject({ source: 'console' });
  });
});

describe('allowlist', () => {
  it.each([
    ['GET', '/k8s/api/v1/secrets'],
    ['GET', '/k8s/api/v1/namespaces/NS/secrets'],
    ['GET', '/k8s/api/v1/namespaces/NS/secrets/y'],
    ['DELETE', '/k8s/api/v1/namespaces/NS/secrets/y'],
    ['PATCH', '/k8s/api/v1/namespaces/NS/secrets/y'],
    ['GET', '/k8s/apis/rbac.authorization.k8s.io/v1/clusterroles'],
    ['POST', '/k8s/apis/rbac.authorization.k8s.io/v1/namespaces/NS/rolebindings'],
    ['GET', '/k8s/api/v1/pods'],
    ['GET', '/k8s/apis/pcm-ops.io/v1alpha1/../../api/v1/secrets'],
    ['GET', '/k8s/apis/pcm-ops.io/v1alpha1/%2e%2e/%2e%2e/api/v1/secrets'],
    ['GET', '/k8s/apis/pcm-ops.io/v1alpha1//api/v1/secrets'],
    ['GET', '/k8s//api/v1/secrets'],
    ['GET', '/k8s/apis/pcm-ops.io/v1alpha1/namespaces/NS/scripts?watch=true'],
    ['GET', '/k8s/apis/pcm-ops.io/v1alpha1/namespaces/NS/scripts/x/scale'],
  ])('refuses %s %s in the console', async (method, template) => {
    const path = template.replace('NS', namespace);
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    const response = record(await editor.request(method, path, body));
    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ source: 'console', code: 403 });
    expect(String(response.json().message).length).toBeGreaterThan(5);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const big = { ...script('big'), spec: { interpreter: 'bash', body: 'x'.repeat(1_100_000) } };
    const response = record(
      await editor.request('POST', `${PCM}/namespaces/${namespace}/scripts`, big),
    );
    expect(response.status).toBe(413);
  });
});

describe('Secret creation', () => {
  it('creates the Secret and never shows its value', async () => {
    const created = record(
      await editor.request('POST', `/k8s/api/v1/namespaces/${namespace}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'aws-keys', annotations: { copy: secretValue } },
        stringData: { secretAccessKey: secretValue },
        data: { other: Buffer.from(secretValue).toString('base64') },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ kind: 'Secret', metadata: { name: 'aws-keys' } });
    expect(created.json().data).toBeUndefined();
    expect(created.json().stringData).toBeUndefined();

    const stored = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: 'aws-keys', namespace });
    expect(Buffer.from(stored.data!.secretAccessKey!, 'base64').toString()).toBe(secretValue);

    const reads = [
      `/k8s/api/v1/namespaces/${namespace}/secrets/aws-keys`,
      `/k8s/api/v1/namespaces/${namespace}/secrets`,
      '/k8s/api/v1/secrets',
    ];
    for (const path of reads) {
      const response = record(await editor.request('GET', path));
      expect(response.status).toBe(403);
    }
    record(await editor.request('GET', `${PCM}/namespaces/${namespace}/cloudcredentials`));
  });

  it('a user without the right is refused by the API server', async () => {
    const refused = record(
      await viewer.request('POST', `/k8s/api/v1/namespaces/${namespace}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'not-allowed' },
        stringData: { key: secretValue },
      }),
    );
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
  });

  it('no response body in this file ever held a Secret value', () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) {
      for (const form of secretForms) expect(body).not.toContain(form);
    }
  });
});

describe('watch streams', () => {
  const path = (): string => `/events/scripts?namespace=${namespace}`;
  const named =
    (name: string, event: string, marker?: string) =>
    (message: { event?: string; data?: string }): boolean =>
      message.event === event &&
      (message.data ?? '').includes(`"name":"${name}"`) &&
      (marker === undefined || (message.data ?? '').includes(marker));

  async function describeScript(name: string, description: string): Promise<void> {
    await adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObject({
        group: GROUP,
        version: 'v1alpha1',
        namespace,
        plural: 'scripts',
        name,
        body: [{ op: 'add', path: '/spec/description', value: description }],
      });
  }

  it('resumes from Last-Event-ID after a dropped connection without missing a change', async () => {
    const first = await openEvents(port, path(), viewer.cookie);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toContain('text/event-stream');
    await objects.create(script('watched') as never);
    await first.next(named('watched', 'ADDED'));
    await describeScript('watched', 'seen-live');
    const live = await first.next(named('watched', 'MODIFIED', 'seen-live'));
    expect(live.id).toMatch(/^\d+$/);
    await first.next((m) => m.event === 'comment' && m.data === 'heartbeat');
    first.close();
    await first.closed;

    await describeScript('watched', 'changed-while-away');
    const resumed = await openEvents(port, path(), viewer.cookie, live.id);
    const change = await resumed.next(named('watched', 'MODIFIED', 'changed-while-away'));
    expect(Number(change.id)).toBeGreaterThan(Number(live.id));
    const events = resumed.received.filter((m) => m.event !== 'comment' && m.event !== undefined);
    expect(events[0]).toEqual(change);
    resumed.close();
  });

  it('tells the client to relist when its resourceVersion is too old', async () => {
    const stale = await openEvents(port, path(), viewer.cookie, '1');
    const reset = await stale.next((m) => m.event === 'reset');
    expect(JSON.parse(reset.data ?? '{}')).toMatchObject({ code: 410 });
    await stale.closed;
  });

  it('streams only PCM-Ops plurals and needs a session', async () => {
    const secrets = await openEvents(port, `/events/secrets?namespace=${namespace}`, viewer.cookie);
    expect(secrets.status).toBe(403);
    secrets.close();
    const anonymous = await openEvents(port, path(), '');
    expect(anonymous.status).toBe(401);
    anonymous.close();
  });
});

describe('metrics and request lines', () => {
  const scrape = async (): Promise<string> =>
    (await send(port, { method: 'GET', path: '/metrics' })).text;
  const refusals = (reason: string): string =>
    `pcm_ops_console_proxy_refusals_total{reason="${reason}"}`;

  it('serves /metrics without a session and counts refused proxy requests by reason', async () => {
    const before = await scrape();
    expect(before).toContain('# TYPE pcm_ops_console_http_requests_total counter');
    const secret = await viewer.request('GET', `/k8s/api/v1/namespaces/${namespace}/secrets`);
    expect(secret.status).toBe(403);
    const unsigned = await editor.request(
      'POST',
      `${PCM}/namespaces/${namespace}/scripts`,
      script('unsigned'),
      {
        csrf: false,
      },
    );
    expect(unsigned.status).toBe(403);
    const after = await scrape();
    for (const reason of ['not-allowlisted', 'csrf']) {
      expect(metricSample(after, refusals(reason))).toBe(
        metricSample(before, refusals(reason)) + 1,
      );
    }
    const proxied =
      'pcm_ops_console_http_requests_total{method="GET",route="k8s-proxy",status="403"}';
    expect(metricSample(after, proxied)).toBeGreaterThanOrEqual(1);
  });

  it('counts a watch stream while it is open, and not after', async () => {
    const gauge = 'pcm_ops_console_sse_clients';
    await expect.poll(async () => metricSample(await scrape(), gauge)).toBe(0);
    const stream = await openEvents(port, `/events/scripts?namespace=${namespace}`, viewer.cookie);
    expect(stream.status).toBe(200);
    expect(metricSample(await scrape(), gauge)).toBe(1);
    stream.close();
    await stream.closed;
    await expect.poll(async () => metricSample(await scrape(), gauge)).toBe(0);
  });

  it('logs each request with the id it echoes, the user, and the path without its query', async () => {
    const answer = await send(port, {
      method: 'GET',
      path: `${PCM}/namespaces/${namespace}/scripts?labelSelector=team%3Dsecret-selector`,
      headers: { cookie: viewer.cookie, 'x-request-id': 'proxy-test-1' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-request-id']).toBe('proxy-test-1');
    const mine = (): string[] =>
      running.logLines.filter((l) => l.includes('"requestId":"proxy-test-1"'));
    await expect.poll(() => mine().length).toBe(1);
    expect(JSON.parse(mine()[0]!)).toMatchObject({
      level: 'info',
      msg: 'request',
      method: 'GET',
      path: `${PCM}/namespaces/${namespace}/scripts`,
      status: 200,
      user: `system:serviceaccount:${namespace}:viewer`,
    });
    expect(running.logLines.join('')).not.toContain('secret-selector');
  });

  it('never logged a session cookie, a CSRF token or a Secret value', () => {
    const secrets = {
      'viewer session cookie': viewer.cookie.split('=')[1] ?? '',
      'editor session cookie': editor.cookie.split('=')[1] ?? '',
      'viewer CSRF token': viewer.csrfToken,
      'editor CSRF token': editor.csrfToken,
      'Secret value': secretForms[0]!,
      'Secret value in base64': secretForms[1]!,
    };
    for (const [label, secret] of Object.entries(secrets))
      expect(secret.length, label).toBeGreaterThan(15);
    expect(running.logLines.length).toBeGreaterThan(20);
    expect(logProblems(running.logLines, secrets)).toEqual([]);
  });
});
