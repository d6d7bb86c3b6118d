// /operator/api/v1/* → the operator's read API (full script output, instance discovery), always
// with the user's own token: the operator asks Kubernetes (TokenReview + SubjectAccessReview)
// whether the user may read the execution or credential, so RBAC decides here too. The console
// itself holds no AWS credentials.
import type { Context, Middleware } from 'koa';
import { isNamespaceName, isObjectName } from './allowlist.js';
import { consoleError } from './proxy.js';
import { sessionOf, type SessionStore } from './session.js';
import { kubeRequest, readAll, type KubeTarget } from './upstream.js';

export const OPERATOR_PREFIX = '/operator';
const RELAY_TIMEOUT_MS = 30_000;
const QUERY_KEYS: ReadonlySet<string> = new Set([
  'instanceId',
  'region',
  'tag',
  'platform',
  'state',
  'onlineOnly',
]);
const QUERY_VALUE = /^[A-Za-z0-9 _.:/=,@+-]{0,256}$/;
const ROUTES: readonly { pattern: RegExp; kind: 'output' | 'instances' }[] = [
  {
    pattern: /^\/api\/v1\/namespaces\/([^/]+)\/scriptexecutions\/([^/]+)\/output$/,
    kind: 'output',
  },
  {
    pattern: /^\/api\/v1\/namespaces\/([^/]+)\/cloudcredentials\/([^/]+)\/instances$/,
    kind: 'instances',
  },
];

export interface OperatorAnswer {
  status: number;
  body: unknown;
}

/** Why a path and query are not relayed, if they are not: only the operator's two read routes. */
export function relayProblem(path: string, query: URLSearchParams): string | undefined {
  const match = ROUTES.map((route) => route.pattern.exec(path)).find(Boolean);
  if (!match) return `the console relays only the operator's output and instances routes`;
  if (!isNamespaceName(match[1] ?? '') || !isObjectName(match[2] ?? '')) {
    return 'not a valid namespace or object name';
  }
  for (const [key, value] of query) {
    if (!QUERY_KEYS.has(key)) return `query parameter "${key}" is not accepted`;
    if (!QUERY_VALUE.test(value)) return `query parameter "${key}" holds characters not accepted`;
  }
  return undefined;
}

function answer(status: number, message: string): OperatorAnswer {
  return { status, body: { source: 'console', code: status, message } };
}

/** One GET to the operator's read API as the user; never throws. */
export async function operatorGet(
  operator: KubeTarget | undefined,
  token: string,
  pathAndQuery: string,
): Promise<OperatorAnswer> {
  if (!operator) {
    return answer(
      503,
      'the console is not configured with the operator address (PCM_OPS_OPERATOR_URL)',
    );
  }
  const [path = '', search = ''] = pathAndQuery.split('?');
  const problem = relayProblem(path, new URLSearchParams(search));
  if (problem) return answer(403, problem);
  try {
    const response = await kubeRequest(operator, {
      method: 'GET',
      path: pathAndQuery,
      token,
      signal: AbortSignal.timeout(RELAY_TIMEOUT_MS),
    });
    const text = (await readAll(response)).toString('utf8');
    return { status: response.statusCode ?? 502, body: JSON.parse(text) as unknown };
  } catch (error) {
    return answer(502, `the operator could not be reached: ${(error as Error).message}`);
  }
}

export interface RelayDeps {
  operator: KubeTarget | undefined;
  sessions: SessionStore;
}

/** Koa middleware for browsers: `GET /operator/api/v1/...` with the session cookie. */
export function operatorRelay(deps: RelayDeps): Middleware {
  return async (ctx: Context, next) => {
    if (!ctx.path.startsWith(`${OPERATOR_PREFIX}/`)) return next();
    if (ctx.method !== 'GET') return consoleError(ctx, 405, 'the operator API is read-only');
    const session = sessionOf(ctx, deps.sessions);
    if (!session) return consoleError(ctx, 401, 'log in first: no valid session cookie');
    const relayed = await operatorGet(
      deps.operator,
      session.token,
      ctx.originalUrl.slice(OPERATOR_PREFIX.length),
    );
    ctx.status = relayed.status;
    ctx.body = relayed.body;
  };
}
