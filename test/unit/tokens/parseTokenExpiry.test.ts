import { DEFAULT_ACCESS_TOKEN_LIFETIME_MS, parseTokenExpiry } from '../../../src/tokens/parseTokenExpiry';

function jwt(payload: unknown): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.c2lnbmF0dXJl`;
}

const now = Date.parse('2024-04-09T20:00:00Z');

describe('parseTokenExpiry', () => {
  test.each([
    ['the JWT has exp, it wins over everything', { accessToken: jwt({ exp: 1712700000 }), expiresAt: '2030-01-01 00:00:00 UTC', expiresIn: 10 }, 1712700000 * 1000],
    ['exp is fractional seconds, it is rounded to ms', { accessToken: jwt({ exp: 1712700000.5 }) }, 1712700000500],
    ['no JWT but Jobber-style expires_at', { accessToken: 'opaque', expiresAt: '2024-04-09 21:04:31 UTC' }, Date.parse('2024-04-09T21:04:31Z')],
    ['no JWT but ISO expires_at', { accessToken: 'opaque', expiresAt: '2024-04-09T21:04:31.250Z' }, Date.parse('2024-04-09T21:04:31.250Z')],
    ['JWT without exp, expires_at is used', { accessToken: jwt({ sub: 'x' }), expiresAt: '2024-04-09 21:00:00 UTC' }, Date.parse('2024-04-09T21:00:00Z')],
    ['only expires_in (number)', { accessToken: 'opaque', expiresIn: 3600 }, now + 3600_000],
    ['only expires_in (numeric string)', { accessToken: 'opaque', expiresIn: '120' }, now + 120_000],
    ['unreadable expires_at falls through to expires_in', { accessToken: 'opaque', expiresAt: 'soon', expiresIn: 60 }, now + 60_000],
    ['nothing at all: the 60 minute default', { accessToken: 'opaque' }, now + DEFAULT_ACCESS_TOKEN_LIFETIME_MS],
    ['a malformed JWT payload: default', { accessToken: 'a.%%%.c' }, now + DEFAULT_ACCESS_TOKEN_LIFETIME_MS],
    ['a JWT whose exp is a string: default', { accessToken: jwt({ exp: '1712700000' }) }, now + DEFAULT_ACCESS_TOKEN_LIFETIME_MS],
    ['negative expires_in: default', { accessToken: 'opaque', expiresIn: -5 }, now + DEFAULT_ACCESS_TOKEN_LIFETIME_MS],
  ])('when %s, then the expiry follows', (_name, input, expected) => {
    expect(parseTokenExpiry(input, now)).toBe(expected);
  });
});
