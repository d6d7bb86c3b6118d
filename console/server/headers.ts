// Security headers on every response, and no caching of anything that came from the API server.
import type { Middleware } from 'koa';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const NO_STORE_PREFIXES = ['/k8s/', '/auth/', '/events/'];

export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.set('X-Content-Type-Options', 'nosniff');
    // Not no-referrer: under it a browser sends `Origin: null` with a plain form post, which the
    // origin check must refuse; same-origin keeps URLs from leaving the console all the same.
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
    if (NO_STORE_PREFIXES.some((prefix) => ctx.path.startsWith(prefix))) {
      ctx.set('Cache-Control', 'no-store');
    }
    await next();
  };
}
