import { signAccessToken, verifyAccessToken, type AccessTokenClaims } from '../../../src/sandbox/accessToken';

const key = Buffer.alloc(32, 7);
const claims: AccessTokenClaims = { sub: 'QWNjb3VudC8x', app_id: 'client', iat: 1_700_000_000, exp: 1_700_003_600, grant: 'g1', jti: 'j' };

describe('sandbox access tokens', () => {
  test('when a token is signed, then it is a three-part JWT whose payload carries exp, iat, sub and app_id', () => {
    const token = signAccessToken(claims, key);
    const [header, payload, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ exp: claims.exp, iat: claims.iat, sub: claims.sub, app_id: 'client' });
    expect(signature).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test.each([
    ['one second before exp', claims.exp * 1000 - 1000, { ok: true, claims }],
    ['exactly at exp', claims.exp * 1000, { ok: false, reason: 'expired' }],
    ['after exp', claims.exp * 1000 + 1, { ok: false, reason: 'expired' }],
  ])('when checked %s, then the answer is %j', (_name, nowMs, expected) => {
    expect(verifyAccessToken(signAccessToken(claims, key), key, nowMs)).toEqual(expected);
  });

  test.each([
    ['not a JWT', 'abc'],
    ['signed with another key', signAccessToken(claims, Buffer.alloc(32, 8))],
    ['a tampered payload', (() => {
      const [h, , s] = signAccessToken(claims, key).split('.');
      return `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'other' })).toString('base64url')}.${s}`;
    })()],
    ['a payload missing claims', (() => {
      const other = signAccessToken({ sub: 'x' } as unknown as AccessTokenClaims, key);
      return other;
    })()],
  ])('when the token is %s, then it is malformed', (_name, token) => {
    expect(verifyAccessToken(token, key, claims.iat * 1000)).toEqual({ ok: false, reason: 'malformed' });
  });
});
