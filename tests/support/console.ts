// Runs the console's Koa server in-process against the local control plane, mints tokens for test
// users with real RBAC, and speaks raw HTTP to the console so paths reach it byte for byte. The
// console's log lines are kept, not printed, so a test can read them.
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { createConsoleApp, createConsoleLogger } from '@pcm-ops/console';
import { afterAll, inject } from 'vitest';
import { adminKubeConfig } from './kube.js';

export interface RunningConsole {
  port: number;
  /** The key that signs this console's session cookies. */
  sessionSecret: string;
  /** Every line the console logged (at debug and above), as written. */
  logLines: string[];
  close(): Promise<void>;
}

export interface ConsoleTestOptions {
  heartbeatMs?: number;
  /** The operator's HTTP API, when the test needs full output or instance discovery. */
  operatorUrl?: string;
}

/** Starts the console on a free loopback port for the calling test file. */
export async function startConsole(options: ConsoleTestOptions = {}): Promise<RunningConsole> {
  const cluster = adminKubeConfig().getCurrentCluster()!;
  const sessionSecret = randomBytes(32).toString('hex');
  const logLines: string[] = [];
  const app = createConsoleApp({
    kubeServer: inject('kubeServer'),
    caPem: Buffer.from(cluster.caData ?? '', 'base64').toString('utf8'),
    sessionSecret,
    secureCookies: false,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    ...(options.operatorUrl ? { operatorUrl: options.operatorUrl } : {}),
    logger: createConsoleLogger('debug', { write: (line: string) => void logLines.push(line) }),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  afterAll(close);
  return { port: (server.address() as AddressInfo).port, sessionSecret, logLines, close };
}

function jsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with the console's log lines, one entry per problem: a line that is not a JSON
 * object, a request line without a request id, or a line holding one of `secrets` (named by its
 * label, so the report does not print the secret itself).
 */
export function logProblems(lines: string[], secrets: Record<string, string>): string[] {
  return lines.flatMap((line, index) => {
    const record = jsonObject(line);
    const problems = record ? [] : [`line ${index} is not a JSON object`];
    const id = record?.requestId;
    if (record?.msg === 'request' && (typeof id !== 'string' || id === '')) {
      problems.push(`request line ${index} has no request id`);
    }
    for (const [label, secret] of Object.entries(secrets)) {
      if (line.includes(secret)) problems.push(`line ${index} holds the ${label}`);
    }
    return problems;
  });
}

/** One sample's value in a Prometheus text exposition (`name{labels}`), 0 when it is absent. */
export function metricSample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The lines that log one request each. */
export const requestLogLines = (lines: string[]): string[] =>
  lines.filter((line) => line.includes('"msg":"request"'));

/** A ServiceAccount in `namespace` bound to a Role with `rules`, and a fresh token for it. */
export async function userToken(
  namespace: string,
  name: string,
  rules: V1PolicyRule[],
): Promise<string> {
  const config = adminKubeConfig();
  const core = config.makeApiClient(CoreV1Api);
  const rbac = config.makeApiClient(RbacAuthorizationV1Api);
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
  return request.status!.token!;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): Record<string, unknown>;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no URL normalisation of dot segments or percent escapes. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function send(port: number, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        headers: request.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

export interface ConsoleSession {
  cookie: string;
  csrfToken: string;
  user: { username: string; groups: string[] };
  /** Sends with this session's cookie (and its CSRF token unless `csrf` is false). */
  request(
    method: string,
    path: string,
    body?: unknown,
    options?: { csrf?: boolean },
  ): Promise<RawResponse>;
}

export async function login(port: number, token: string): Promise<ConsoleSession> {
  const response = await send(port, {
    method: 'POST',
    path: '/auth/login',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  const setCookie = response.headers['set-cookie']?.[0] ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const { csrfToken, user } = response.json() as Pick<ConsoleSession, 'csrfToken' | 'user'>;
  return {
    cookie,
    csrfToken,
    user,
    request: (method, path, body, options = {}) =>
      send(port, {
        method,
        path,
        headers: {
          cookie,
          ...(options.csrf === false ? {} : { 'x-csrf-token': csrfToken }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

export interface SseStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** The next message (after those already taken) that satisfies `wanted`. */
  next(wanted: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Every message received so far, heartbeats as `{ event: 'comment' }`. */
  readonly received: SseMessage[];
  close(): void;
  closed: Promise<void>;
}

function parseFrame(frame: string): SseMessage {
  const message: SseMessage = {};
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) return { event: 'comment', data: line.slice(1).trim() };
    const at = line.indexOf(':');
    const field = at === -1 ? line : line.slice(0, at);
    const value = at === -1 ? '' : line.slice(at + 1).replace(/^ /, '');
    if (field === 'id' || field === 'event' || field === 'data') message[field] = value;
  }
  return message;
}

/** Opens an SSE stream the way a reconnecting EventSource would, with Last-Event-ID if given. */
export function openEvents(
  port: number,
  path: string,
  cookie: string,
  lastEventId?: string,
): Promise<SseStream> {
  const received: SseMessage[] = [];
  const waiters: Array<() => void> = [];
  let taken = 0;
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: {
          cookie,
          accept: 'text/event-stream',
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        },
      },
      (response) => {
        let pending = '';
        const closed = new Promise<void>((done) => response.on('close', () => done()));
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          pending += chunk;
          const frames = pending.split('\n\n');
          pending = frames.pop() ?? '';
          received.push(...frames.filter((f) => f.trim() !== '').map(parseFrame));
          waiters.splice(0).forEach((wake) => wake());
        });
        response.on('error', () => undefined);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          received,
          closed,
          close: () => outgoing.destroy(),
          next: async (wanted, timeoutMs = 10_000) => {
            const deadline = Date.now() + timeoutMs;
            for (;;) {
              const index = received.findIndex((m, i) => i >= taken && wanted(m));
              if (index !== -1) {
                taken = index + 1;
                return received[index]!;
              }
              if (Date.now() > deadline) {
                throw new Error(`no matching SSE message; got ${JSON.stringify(received)}`);
              }
              await new Promise<void>((wake) => {
                waiters.push(wake);
                setTimeout(wake, 200);
              });
            }
          },
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}
