import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { methodLabel, routeClass, type RefusalReason, type RouteClass } from './metrics.js';
import {
  eventually,
  login,
  openStream,
  send,
  startTestConsole,
  type Sent,
  type TestConsole,
  type TestSession,
} from './testing/console.js';

const PCM = '/k8s/apis/pcm-ops.io/v1alpha1';
const SCRIPTS = `${PCM}/namespaces/team-a/scripts`;

describe('routeClass', () => {
  it.each<[string, RouteClass]>([
    ['/', 'page'],
    ['/aws/credentials/team-a/hub', 'page'],
    ['/login', 'page'],
    ['/assets/entry.client-abc.js', 'asset'],
    ['/favicon.ico', 'asset'],
    [`${SCRIPTS}/a`, 'k8s-proxy'],
    ['/k8s', 'page'],
    ['/events/scripts', 'events'],
    ['/auth/login', 'auth'],
    ['/operator/api/v1/namespaces/a/scriptexecutions/b/output', 'operator'],
    ['/healthz', 'health'],
    ['/metrics', 'metrics'],
    ['/metrics/extra', 'page'],
  ])('%s is a %s request', (path, route) => {
    expect(routeClass(path)).toBe(route);
  });

  it.each([
    ['get', 'GET'],
    ['PATCH', 'PATCH'],
    ['PROPFIND', 'other'],
  ])('labels the method %s as %s', (method, label) => {
    expect(methodLabel(method)).toBe(label);
  });
});

/** The value of one sample in the Prometheus text format, 0 when it is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const scrape = async (running: TestConsole): Promise<string> =>
  (await send(running.port, { path: '/metrics' })).text;

describe('the console metrics', () => {
  let running: TestConsole;
  let session: TestSession;

  beforeEach(async () => {
    running = await startTestConsole({ maxBodyBytes: 1024 });
    session = await login(running);
  });
  afterEach(() => running.close());

  it('serves /metrics without a session, in the Prometheus text format', async () => {
    const answer = await send(running.port, { path: '/metrics' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(answer.text).toContain('# TYPE pcm_ops_console_http_requests_total counter');
    expect(answer.text).toContain('# TYPE pcm_ops_console_sse_clients gauge');
    expect(answer.text).toContain('pcm_ops_console_proxy_refusals_total{reason="csrf"} 0');
    expect(answer.text).toContain('pcm_ops_console_process_resident_memory_bytes');
    expect((await send(running.port, { method: 'POST', path: '/metrics' })).status).toBe(405);
  });

  it('counts requests by method, route class and status, never by path', async () => {
    await send(running.port, { path: `${SCRIPTS}?limit=1`, headers: { cookie: session.cookie } });
    await send(running.port, { path: '/healthz' });
    const text = await scrape(running);
    const series = (labels: string): number =>
      sample(text, `pcm_ops_console_http_requests_total{${labels}}`);
    expect(series('method="POST",route="auth",status="200"')).toBe(1);
    expect(series('method="GET",route="k8s-proxy",status="200"')).toBe(1);
    expect(series('method="GET",route="health",status="200"')).toBe(1);
    expect(text).not.toContain('team-a');
  });

  const json = { 'content-type': 'application/json' };
  it.each<[RefusalReason, (session: TestSession) => Sent]>([
    [
      'not-allowlisted',
      (s) => ({ path: '/k8s/api/v1/namespaces/a/secrets/b', headers: { cookie: s.cookie } }),
    ],
    ['bad-query', (s) => ({ path: `${SCRIPTS}?watch=true`, headers: { cookie: s.cookie } })],
    ['no-session', () => ({ path: SCRIPTS })],
    [
      'csrf',
      (s) => ({
        method: 'POST',
        path: SCRIPTS,
        headers: { cookie: s.cookie, ...json },
        body: '{}',
      }),
    ],
    [
      'cross-origin',
      (s) => ({
        method: 'POST',
        path: SCRIPTS,
        headers: {
          cookie: s.cookie,
          'x-csrf-token': s.csrfToken,
          origin: 'https://elsewhere.example',
          ...json,
        },
        body: '{}',
      }),
    ],
    [
      'content-type',
      (s) => ({
        method: 'POST',
        path: SCRIPTS,
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken, 'content-type': 'text/plain' },
        body: '{}',
      }),
    ],
    [
      'body-too-large',
      (s) => ({
        method: 'POST',
        path: SCRIPTS,
        headers: { cookie: s.cookie, 'x-csrf-token': s.csrfToken, ...json },
        body: JSON.stringify({ padding: 'x'.repeat(2048) }),
      }),
    ],
  ])('counts a proxy refusal as %s', async (reason, request) => {
    const series = `pcm_ops_console_proxy_refusals_total{reason="${reason}"}`;
    expect(sample(await scrape(running), series)).toBe(0);
    const answer = await send(running.port, request(session));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(answer.text)).toMatchObject({ source: 'console' });
    const text = await scrape(running);
    expect(sample(text, series)).toBe(1);
    expect(sample(text, 'pcm_ops_console_proxy_refusals_total{reason="not-allowlisted"}')).toBe(
      reason === 'not-allowlisted' ? 1 : 0,
    );
  });

  it('does not count a request the proxy forwards as a refusal', async () => {
    await send(running.port, { path: SCRIPTS, headers: { cookie: session.cookie } });
    const text = await scrape(running);
    const refusals = text
      .split('\n')
      .filter((l) => l.startsWith('pcm_ops_console_proxy_refusals_total{'));
    expect(refusals.map((l) => l.split(' ')[1])).toEqual(Array(7).fill('0'));
  });

  it('moves the open-streams gauge up while a browser watches and back when it leaves', async () => {
    const gauge = async (): Promise<number> =>
      sample(await scrape(running), 'pcm_ops_console_sse_clients');
    expect(await gauge()).toBe(0);
    const stream = await openStream(running.port, '/events/scripts', { cookie: session.cookie });
    expect(stream.status).toBe(200);
    expect(await gauge()).toBe(1);
    const second = await openStream(running.port, '/events/scripts', { cookie: session.cookie });
    expect(await gauge()).toBe(2);
    stream.close();
    second.close();
    await eventually(async () => (await gauge()) === 0);
    const text = await scrape(running);
    expect(
      sample(text, 'pcm_ops_console_http_requests_total{method="GET",route="events",status="200"}'),
    ).toBe(2);
  });

  it('keeps one registry per app, so two consoles count apart', async () => {
    const other = await startTestConsole();
    try {
      await send(other.port, { path: '/healthz' });
      await send(other.port, { path: '/healthz' });
      const series =
        'pcm_ops_console_http_requests_total{method="GET",route="health",status="200"}';
      expect(sample(await scrape(other), series)).toBe(2);
      expect(sample(await scrape(running), series)).toBe(0);
    } finally {
      await other.close();
    }
  });
});
