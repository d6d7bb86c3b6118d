// For the console's unit tests: the console app on loopback in front of a fake API server (one
// user, one token, watch streams the test writes to), its log lines captured, and plain requests.
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConsoleApp, type ConsoleOptions } from '../app.js';
import { createConsoleLogger } from '../logging.js';

export const USERNAME = 'alice';

export interface FakeKube {
  url: string;
  /** The one token the fake API server accepts. */
  token: string;
  /** Open watch responses, newest last, with the path and query each asked for. */
  watches: { url: string; res: ServerResponse }[];
  close(): Promise<void>;
}

const listening = (server: Server): Promise<number> =>
  new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

const closing = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** Answers the login review for `token`, holds watches open, and lists nothing. */
export async function startFakeKube(): Promise<FakeKube> {
  const token = `fake-token-${randomBytes(12).toString('hex')}`;
  const watches: FakeKube['watches'] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.headers.authorization !== `Bearer ${token}`) {
      return void res.writeHead(401, { 'content-type': 'application/json' }).end('{}');
    }
    if (url.startsWith('/apis/authentication.k8s.io/v1/selfsubjectreviews')) {
      const review = { status: { userInfo: { username: USERNAME, groups: ['team-a'] } } };
      return void res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify(review));
    }
    if (url.includes('watch=true')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      return void watches.push({ url, res });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"List","items":[]}');
  });
  const port = await listening(server);
  return { url: `http://127.0.0.1:${port}`, token, watches, close: () => closing(server) };
}

export interface TestConsole {
  port: number;
  kube: FakeKube;
  sessionSecret: string;
  /** Every log line the console wrote, as written. */
  logLines: string[];
  close(): Promise<void>;
}

/** The console in front of a fresh fake API server, logging at debug into `logLines`. */
export async function startTestConsole(
  options: Partial<ConsoleOptions> = {},
): Promise<TestConsole> {
  const kube = await startFakeKube();
  const logLines: string[] = [];
  const sessionSecret = randomBytes(32).toString('hex');
  const app = createConsoleApp({
    kubeServer: kube.url,
    sessionSecret,
    secureCookies: false,
    logger: createConsoleLogger('debug', { write: (line: string) => void logLines.push(line) }),
    ...options,
  });
  const server = http.createServer(app.callback());
  const port = await listening(server);
  const close = async (): Promise<void> => {
    await closing(server);
    await kube.close();
  };
  return { port, kube, sessionSecret, logLines, close };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface Sent {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export function send(port: number, request: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: request.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

export interface TestSession {
  cookie: string;
  cookieValue: string;
  csrfToken: string;
}

/** Logs in with the fake API server's token, as the login form's script does. */
export async function login(running: TestConsole): Promise<TestSession> {
  const answer = await send(running.port, {
    method: 'POST',
    path: '/auth/login',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: running.kube.token }),
  });
  if (answer.status !== 200) throw new Error(`login failed: ${answer.status} ${answer.text}`);
  const cookie = (answer.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  const { csrfToken } = JSON.parse(answer.text) as { csrfToken: string };
  return { cookie, cookieValue: cookie.split('=')[1] ?? '', csrfToken };
}

/** Waits until `check` holds, polling every 10 ms for up to two seconds. */
export async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface OpenStream {
  status: number;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the console ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens a streaming GET (an EventSource, for the console) and keeps what arrives. */
export function openStream(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('error', () => undefined);
      const ended = new Promise<void>((done) => response.on('close', () => done()));
      resolve({
        status: response.statusCode ?? 0,
        received: () => text,
        ended,
        close: () => outgoing.destroy(),
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
