// JSON logs for the console, one line per request, each with its request id. Nothing that grants
// access is logged: no token, session cookie, CSRF token or Secret value, and no query string (a
// path is logged, its query never). The redaction below is the second wall, for the day someone
// logs a whole request or object by mistake.
import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { sessionOf, type SessionStore } from './session.js';

export type { Logger };

export const REQUEST_ID_HEADER = 'x-request-id';
/** An incoming id is kept only when it is a short token that cannot break a log line or a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const MAX_LOGGED_PATH = 512;
/** Probes and scrapes, every few seconds: logged only at debug. */
const QUIET_PATHS: ReadonlySet<string> = new Set(['/healthz', '/metrics']);

const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-csrf-token',
  'x-forwarded-access-token',
  'x-auth-request-access-token',
];
const SECRET_KEYS = ['token', 'csrfToken', 'data', 'stringData', 'secretAccessKey', 'sessionToken'];

const REDACT = [
  ...SECRET_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`]),
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
];

/** Structured JSON logs, on stdout unless `destination` is given (tests capture lines with it). */
export function createConsoleLogger(
  level: Level | 'silent' = 'info',
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { component: 'pcm-ops-console' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** The caller's request id when it is a safe token, a fresh one otherwise. */
export function requestIdFor(incoming: string | undefined): string {
  return incoming !== undefined && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

interface RequestState {
  requestId?: string;
  log?: Logger;
}

const SILENT = pino({ enabled: false });

/** The logger of this request, bound to its request id (silent outside `requestLogging`). */
export function requestLog(ctx: Context): Logger {
  return (ctx.state as RequestState).log ?? SILENT;
}

export interface RequestLoggingDeps {
  logger: Logger;
  sessions: SessionStore;
}

const username = (ctx: Context, sessions: SessionStore): string | undefined =>
  sessionOf(ctx, sessions)?.user.username;

/**
 * Gives every request an id (echoed in `x-request-id`) and a logger bound to it, and logs one line
 * when the response is done or the client went away: method, path, status, duration, the user.
 */
export function requestLogging(deps: RequestLoggingDeps): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const requestId = requestIdFor(ctx.get(REQUEST_ID_HEADER) || undefined);
    const log = deps.logger.child({ requestId });
    Object.assign(ctx.state as RequestState, { requestId, log });
    ctx.set(REQUEST_ID_HEADER, requestId);
    // Before the request runs, for a logout; after, for a session the proxy header established.
    const userBefore = username(ctx, deps.sessions);
    ctx.res.once('close', () => {
      const user = username(ctx, deps.sessions) ?? userBefore;
      const line = {
        method: ctx.method,
        path: ctx.path.slice(0, MAX_LOGGED_PATH),
        status: ctx.res.statusCode,
        ms: Math.round(performance.now() - started),
        ...(user === undefined ? {} : { user }),
        ...(ctx.res.writableFinished ? {} : { aborted: true }),
      };
      log[QUIET_PATHS.has(ctx.path) ? 'debug' : 'info'](line, 'request');
    });
    await next();
  };
}
