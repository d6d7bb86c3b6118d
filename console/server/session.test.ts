import { describe, expect, it } from 'vitest';
import { csrfTokenMatches, isMutation } from './csrf.js';
import { SessionStore } from './session.js';

const secret = 'a'.repeat(32);
const user = { username: 'alice', groups: ['team-a'] };

describe('SessionStore', () => {
  const store = new SessionStore(secret);
  const session = store.create('token-1', user);
  const cookie = store.cookieValue(session);
  const [id, signature] = cookie.split('.');

  it.each([
    ['the issued cookie', cookie, true],
    ['a missing cookie', undefined, false],
    ['an unsigned id', id, false],
    ['a forged signature', `${id}.${'x'.repeat(signature!.length)}`, false],
    ['another id with this signature', `${'b'.repeat(id!.length)}.${signature}`, false],
    ['extra parts', `${cookie}.more`, false],
    [
      'a cookie signed with another secret',
      new SessionStore('b'.repeat(32)).cookieValue(session),
      false,
    ],
  ])('%s → found: %s', (_label, value, found) => {
    expect(store.fromCookie(value) !== undefined).toBe(found);
  });

  it('forgets a destroyed session', () => {
    const other = store.create('token-2', user);
    store.destroy(other);
    expect(store.fromCookie(store.cookieValue(other))).toBeUndefined();
  });

  it('forgets an expired session', () => {
    const shortLived = new SessionStore(secret, -1);
    const expired = shortLived.create('token-3', user);
    expect(shortLived.fromCookie(shortLived.cookieValue(expired))).toBeUndefined();
  });
});

describe('CSRF', () => {
  const session = new SessionStore(secret).create('token', user);

  it.each([
    [session.csrfToken, true],
    [undefined, false],
    ['', false],
    [`${session.csrfToken}x`, false],
    ['x'.repeat(session.csrfToken.length), false],
  ])('header %j matches: %s', (header, matches) => {
    expect(csrfTokenMatches(session, header)).toBe(matches);
  });

  it.each([
    ['GET', false],
    ['HEAD', false],
    ['OPTIONS', false],
    ['POST', true],
    ['PUT', true],
    ['PATCH', true],
    ['DELETE', true],
    ['delete', true],
  ])('%s is a mutation: %s', (method, mutation) => {
    expect(isMutation(method)).toBe(mutation);
  });
});
