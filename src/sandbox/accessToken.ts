import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims of a sandbox access token (Jobber's JWTs carry `exp`, `iat`, `sub` and `app_id`). */
export interface AccessTokenClaims {
  /** The Jobber account id (EncodedId). */
  sub: string;
  /** The app's client id. */
  app_id: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** The grant (one connection of an app to an account) the token belongs to: a disconnect kills it. */
  grant: string;
  /** Random, so two tokens issued in the same second differ. */
  jti: string;
}

export type AccessTokenCheck =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; reason: 'malformed' | 'expired' };

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** Signs an HS256 JWT with the sandbox's key. */
export function signAccessToken(claims: AccessTokenClaims, key: Buffer): string {
  const body = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${body}.${hmac(body, key)}`;
}

/** Verifies signature and shape, then expiry against `nowMs` (an expired token is still "ours"). */
export function verifyAccessToken(token: string, key: Buffer, nowMs: number): AccessTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(hmac(`${header}.${payload}`, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'malformed' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function isClaims(value: unknown): value is AccessTokenClaims {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.sub === 'string' &&
    typeof v.app_id === 'string' &&
    typeof v.grant === 'string' &&
    typeof v.iat === 'number' &&
    typeof v.exp === 'number'
  );
}

function hmac(data: string, key: Buffer): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
