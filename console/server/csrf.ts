// Every mutation carries the session's CSRF token: in a header that a cross-site form cannot set,
// or, for the console's own forms, in a hidden field that a cross-site page cannot read.
// The SameSite=Strict cookie is the first wall; this is the second.
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Session } from './session.js';

export const CSRF_HEADER = 'x-csrf-token';
/** The hidden field of a console form (a page's own form cannot set a header without a script). */
export const CSRF_FIELD = '_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isMutation = (method: string): boolean => !SAFE_METHODS.has(method.toUpperCase());

/** True when the header's token equals the session's, compared in constant time. */
export function csrfTokenMatches(session: Session, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * A browser names the page that sent a request in Origin; when it is present it must be this
 * console, which also stops a cross-site login form from planting an attacker's session.
 */
export function crossOrigin(ctx: Context): boolean {
  const origin = ctx.get('origin');
  if (!origin) return false;
  try {
    return new URL(origin).host !== ctx.host;
  } catch {
    return true;
  }
}
