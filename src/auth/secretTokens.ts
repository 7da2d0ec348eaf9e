import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A bearer credential: a recognizable prefix and 256 random bits. Only its SHA-256 is stored; with
 * that much entropy a fast hash is enough (there is nothing to brute-force).
 */
export function createSecretToken(prefix: 'jgp' | 'jgs'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of two strings (different lengths are unequal). */
export function isSameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
