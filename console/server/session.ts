// Sessions live in this process's memory; the browser holds only a random id signed with the
// session secret. The Kubernetes token therefore never leaves the server, and logout ends it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

export interface KubeUser {
  username: string;
  groups: string[];
}

export interface Session {
  id: string;
  token: string;
  csrfToken: string;
  user: KubeUser;
  expiresAt: number;
}

export interface CookieSettings {
  /** Send the cookie over HTTPS only; off only for plain-HTTP local runs and tests. */
  secure: boolean;
}

export const SESSION_COOKIE = 'pcm_ops_session';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

function randomId(): string {
  return randomBytes(32).toString('base64url');
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly secret: string,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {}

  create(token: string, user: KubeUser): Session {
    this.sweep();
    const session = {
      id: randomId(),
      token,
      csrfToken: randomId(),
      user,
      expiresAt: Date.now() + this.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session a cookie value names, when its signature holds and it has not expired. */
  fromCookie(value: string | undefined): Session | undefined {
    const id = value === undefined ? undefined : this.verify(value);
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  destroy(session: Session): void {
    this.sessions.delete(session.id);
  }

  cookieValue(session: Session): string {
    return `${session.id}.${this.sign(session.id)}`;
  }

  private sign(id: string): string {
    return createHmac('sha256', this.secret).update(id).digest('base64url');
  }

  private verify(value: string): string | undefined {
    const [id, signature, ...rest] = value.split('.');
    if (!id || !signature || rest.length > 0) return undefined;
    const expected = Buffer.from(this.sign(id));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given) ? id : undefined;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, session] of this.sessions) {
      if (session.expiresAt <= now) this.sessions.delete(id);
    }
  }
}

export function setSessionCookie(ctx: Context, value: string, settings: CookieSettings): void {
  ctx.cookies.set(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    secure: settings.secure,
    path: '/',
    maxAge: SESSION_TTL_MS,
    overwrite: true,
  });
}

export function clearSessionCookie(ctx: Context, settings: CookieSettings): void {
  ctx.cookies.set(SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'strict',
    secure: settings.secure,
    path: '/',
    maxAge: 0,
    overwrite: true,
  });
}

export function sessionOf(ctx: Context, store: SessionStore): Session | undefined {
  return store.fromCookie(ctx.cookies.get(SESSION_COOKIE));
}
