import { createHash } from 'node:crypto';
import https from 'node:https';
import {
  Observable,
  PatchStrategy,
  type ConfigurationOptions,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

/** A request to the API server that hangs (a paused or partitioned server) fails after this. */
export const API_REQUEST_TIMEOUT_MS = 30_000;

/**
 * client-node builds a new https.Agent for every request, without keep-alive, so each call pays
 * a TCP and TLS handshake. Calls share one keep-alive agent per set of TLS settings instead
 * (a rotated client certificate gets a new agent; the last few are kept).
 */
const sharedAgents = new Map<string, https.Agent>();
const MAX_SHARED_AGENTS = 4;

export function keepAliveAgent(agent: unknown): https.Agent | undefined {
  // Proxy agents (socks, hpagent) and plain http keep their own.
  if (agent?.constructor !== https.Agent) return undefined;
  const o = (agent as https.Agent).options;
  if (o.keepAlive) return undefined;
  const tls = [o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername];
  const key = createHash('sha256').update(JSON.stringify(tls)).digest('hex');
  let shared = sharedAgents.get(key);
  if (!shared) {
    shared = new https.Agent({ ...o, keepAlive: true });
    sharedAgents.set(key, shared);
    for (const [old, stale] of sharedAgents) {
      if (sharedAgents.size <= MAX_SHARED_AGENTS) break;
      sharedAgents.delete(old);
      stale.destroy();
    }
  }
  return shared;
}

/**
 * Per-call options: a deadline (one hung call must not hold a worker or the lease loop), and
 * optionally the merge-patch content type. The generated clients take middleware that answers
 * with their Observable stub, as client-node's own setHeaderOptions does.
 */
export function requestOptions(
  options: { timeoutMs?: number; mergePatch?: boolean } = {},
): ConfigurationOptions {
  const timeoutMs = Math.max(1, Math.ceil(options.timeoutMs ?? API_REQUEST_TIMEOUT_MS));
  const middleware = {
    pre: (request: RequestContext): Observable<RequestContext> => {
      request.setSignal(AbortSignal.timeout(timeoutMs));
      const shared = keepAliveAgent(request.getAgent());
      if (shared) request.setAgent(shared);
      if (options.mergePatch) request.setHeaderParam('Content-Type', PatchStrategy.MergePatch);
      return new Observable(Promise.resolve(request));
    },
    post: (response: ResponseContext): Observable<ResponseContext> =>
      new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}
