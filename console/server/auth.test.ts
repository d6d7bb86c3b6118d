import { describe, expect, it } from 'vitest';
import { jwtExpiry, proxiedToken, withSessionCookie } from './auth.js';

const jwt = (claims: object): string =>
  ['{"alg":"RS256"}', JSON.stringify(claims), 'signature']
    .map((part, i) => (i < 2 ? Buffer.from(part).toString('base64url') : part))
    .join('.');

describe('proxiedToken', () => {
  it.each([
    ['authorization', 'Bearer abc.def.ghi', 'abc.def.ghi'],
    ['authorization', 'bearer   abc', 'abc'],
    ['Authorization', 'Bearer abc', 'abc'],
    ['authorization', 'Basic dXNlcjpwYXNz', undefined],
    ['authorization', 'Bearer', undefined],
    ['authorization', 'Bearer a b', undefined],
    ['authorization', undefined, undefined],
    ['authorization', '', undefined],
    ['x-forwarded-access-token', 'abc.def', 'abc.def'],
    ['x-forwarded-access-token', 'Bearer abc', undefined],
    ['x-forwarded-access-token', `${'a'.repeat(16_385)}`, undefined],
  ])('%s: %j gives %j', (header, value, expected) => {
    expect(proxiedToken(header, value)).toBe(expected);
  });
});

describe('jwtExpiry', () => {
  it('reads exp from a JWT, in milliseconds', () => {
    expect(jwtExpiry(jwt({ sub: 'alice', exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
  });

  it.each([
    ['no exp claim', jwt({ sub: 'alice' })],
    ['a non-numeric exp', jwt({ exp: 'tomorrow' })],
    ['an opaque token', 'sha256~opaque-token'],
    ['a payload that is not JSON', 'a.bm90IGpzb24.c'],
  ])('is undefined for %s', (_case, token) => {
    expect(jwtExpiry(token)).toBeUndefined();
  });
});

describe('withSessionCookie', () => {
  it.each([
    [undefined, 'pcm_ops_session=new.sig'],
    ['', 'pcm_ops_session=new.sig'],
    ['theme=dark', 'theme=dark; pcm_ops_session=new.sig'],
    ['pcm_ops_session=old.sig; theme=dark', 'theme=dark; pcm_ops_session=new.sig'],
    ['a=1;pcm_ops_session=x;pcm_ops_session=y', 'a=1; pcm_ops_session=new.sig'],
  ])('%j becomes %j', (header, expected) => {
    expect(withSessionCookie(header, 'new.sig')).toBe(expected);
  });
});
