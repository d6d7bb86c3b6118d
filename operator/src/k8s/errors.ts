/** Status codes and reasons of errors thrown by @kubernetes/client-node's generated clients. */
export function statusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as { code?: unknown; statusCode?: unknown };
  if (typeof record.code === 'number') return record.code;
  if (typeof record.statusCode === 'number') return record.statusCode;
  return undefined;
}

/** The Status reason the API server answered with (Conflict, AlreadyExists, NotFound, …). */
export function statusReason(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'object' && body !== null) return (body as { reason?: string }).reason;
  if (typeof body !== 'string') return undefined;
  try {
    return (JSON.parse(body) as { reason?: string }).reason;
  } catch {
    return undefined;
  }
}

export function isNotFound(error: unknown): boolean {
  return statusCode(error) === 404;
}

/** 409 for a stale resourceVersion (or a precondition that no longer holds). */
export function isConflict(error: unknown): boolean {
  return statusCode(error) === 409 && statusReason(error) !== 'AlreadyExists';
}

export function isAlreadyExists(error: unknown): boolean {
  return statusCode(error) === 409 && statusReason(error) === 'AlreadyExists';
}

export function isGone(error: unknown): boolean {
  return statusCode(error) === 410;
}
