import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConsoleLogger, requestIdFor } from './logging.js';
import {
  login,
  send,
  startTestConsole,
  USERNAME,
  type TestConsole,
  type TestSession,
} from './testing/console.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SCRIPTS = '/k8s/apis/pcm-ops.io/v1alpha1/namespaces/team-a/scripts';

type Line = Record<string, unknown>;
const parsed = (lines: string[]): Line[] => lines.map((line) => JSON.parse(line) as Line);
const requestLines = (lines: string[]): Line[] =>
  parsed(lines).filter((line) => line.msg === 'request');

describe('requestIdFor', () => {
  it.each([
    ['a short token', 'trace-1.a_b:c', true],
    ['64 characters', 'a'.repeat(64), true],
    ['65 characters', 'a'.repeat(65), false],
    ['a space', 'trace 1', false],
    ['a line break', 'trace\r\nset-cookie: x', false],
    ['a quote', 'trace"1', false],
    ['an empty string', '', false],
    ['nothing', undefined, false],
  ])('keeps an incoming id with %s: %s', (_what, incoming, kept) => {
    const id = requestIdFor(incoming);
    if (kept) expect(id).toBe(incoming);
    else expect(id).toMatch(UUID);
  });
});

describe('createConsoleLogger', () => {
  it('redacts headers and Secret fields even when a whole object is logged', () => {
    const lines: string[] = [];
    const log = createConsoleLogger('info', { write: (line: string) => void lines.push(line) });
    const headers = {
      authorization: 'Bearer header-token',
      cookie: 'pcm_ops_session=cookie-value',
      'x-csrf-token': 'csrf-value',
      'x-forwarded-access-token': 'forwarded-token',
      accept: 'text/html',
    };
    log.info({ headers, req: { headers } }, 'a request, logged whole by mistake');
    log.info({
      secret: { data: { key: 'ZGF0YS12YWx1ZQ==' }, stringData: { key: 'string-value' } },
    });
    log.info({ session: { token: 'session-token', csrfToken: 'csrf-value' } });
    const text = lines.join('');
    for (const value of [
      'header-token',
      'cookie-value',
      'csrf-value',
      'forwarded-token',
      'ZGF0YS12YWx1ZQ==',
      'string-value',
      'session-token',
    ]) {
      expect(text).not.toContain(value);
    }
    expect(text).toContain('[redacted]');
    expect(text).toContain('text/html');
    expect(parsed(lines)[0]).toMatchObject({ level: 'info', component: 'pcm-ops-console' });
  });
});

describe('request lines', () => {
  let running: TestConsole;
  let session: TestSession;

  beforeEach(async () => {
    running = await startTestConsole();
    session = await login(running);
  });
  afterEach(() => running.close());

  it('logs one line per request: id, method, path without query, status, time and user', async () => {
    const answer = await send(running.port, {
      path: `${SCRIPTS}?labelSelector=owner%3Dsecret-selector`,
      headers: { cookie: session.cookie, 'x-request-id': 'trace-1' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-request-id']).toBe('trace-1');
    const lines = requestLines(running.logLines).filter((line) => line.requestId === 'trace-1');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        method: 'GET',
        path: SCRIPTS,
        status: 200,
        ms: expect.any(Number),
        user: USERNAME,
      }),
    ]);
    expect(running.logLines.join('')).not.toContain('secret-selector');
  });

  it('replaces an unsafe incoming id with a fresh one, and echoes it', async () => {
    const answer = await send(running.port, {
      path: '/healthz',
      headers: { 'x-request-id': 'not a safe id' },
    });
    const id = answer.headers['x-request-id'];
    expect(id).toMatch(UUID);
    const [line] = requestLines(running.logLines).filter((l) => l.requestId === id);
    expect(line).toMatchObject({ level: 'debug', path: '/healthz', status: 200 });
    expect(line).not.toHaveProperty('user');
  });

  it('logs an error with the id of the request it failed', async () => {
    await running.kube.close();
    const answer = await send(running.port, {
      path: '/events/scripts',
      headers: { cookie: session.cookie },
    });
    expect(answer.status).toBe(500);
    const id = answer.headers['x-request-id'];
    const lines = parsed(running.logLines).filter((line) => line.requestId === id);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', msg: 'request failed', err: expect.anything() }),
      expect.objectContaining({ msg: 'request', status: 500, user: USERNAME }),
    ]);
  });

  it('never logs the token, the session cookie, the CSRF token or the session secret', async () => {
    await send(running.port, {
      method: 'POST',
      path: SCRIPTS,
      headers: {
        cookie: session.cookie,
        'x-csrf-token': session.csrfToken,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ kind: 'Script', metadata: { name: 'a' } }),
    });
    await send(running.port, {
      method: 'POST',
      path: '/auth/logout',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    const text = running.logLines.join('');
    const lines = requestLines(running.logLines);
    expect(lines.map((line) => [line.method, line.path, line.user])).toEqual([
      ['POST', '/auth/login', undefined],
      ['POST', SCRIPTS, USERNAME],
      ['POST', '/auth/logout', USERNAME],
    ]);
    for (const secret of [
      running.kube.token,
      session.cookieValue,
      session.csrfToken,
      running.sessionSecret,
    ]) {
      expect(secret.length).toBeGreaterThan(20);
      expect(text).not.toContain(secret);
    }
  });
});
