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
      if (options.mergePatch) request.setHeaderParam('Content-Type', PatchStrategy.MergePatch);
      return new Observable(Promise.resolve(request));
    },
    post: (response: ResponseContext): Observable<ResponseContext> =>
      new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}
