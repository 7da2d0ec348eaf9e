import { GatewayError } from '../errors/gatewayError';

/**
 * Argument checks shared by both store implementations, so a bad argument fails the same way on
 * Redis and on the embedded store. A bad argument is a caller's bug: it throws INTERNAL_SERVER_ERROR.
 */

/** TTLs are whole milliseconds >= 1 (Redis PX rejects 0 and fractions); fractions round up. */
export function normalizeTtlMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new GatewayError('INTERNAL_SERVER_ERROR', `Store TTL must be a positive number of milliseconds, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}

/** Scores may be any number but NaN (Redis accepts +/-inf). */
export function assertScore(score: number): void {
  if (Number.isNaN(score)) throw new GatewayError('INTERNAL_SERVER_ERROR', 'Store score must not be NaN');
}

/** `limit` of zRangeByScore: absent = all, otherwise a whole number >= 0. */
export function assertLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new GatewayError('INTERNAL_SERVER_ERROR', `Store range limit must be a whole number >= 0, got ${limit}`);
  }
}

/**
 * Redis's integer range for INCR. Values past Number.MAX_SAFE_INTEGER lose precision in JS, so the
 * embedded store refuses them like Redis refuses an overflow.
 */
export function parseStoreInteger(value: string): number | undefined {
  if (!/^-?(0|[1-9][0-9]*)$/.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** Scores as Redis writes and reads them: `inf`/`-inf` for the infinities. */
export function formatScore(score: number): string {
  if (score === Infinity) return '+inf';
  if (score === -Infinity) return '-inf';
  return String(score);
}

export function parseScore(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  const parsed = Number(text);
  if (Number.isNaN(parsed)) throw new GatewayError('INTERNAL_SERVER_ERROR', `Store returned a score that is not a number: ${text}`);
  return parsed;
}

/**
 * Sorted-set order: by score, ties by member compared as bytes (Redis compares members with
 * memcmp, which is UTF-8 byte order; JS `<` is UTF-16 order and differs above U+FFFF).
 */
export function compareScoredMembers(a: { member: string; score: number }, b: { member: string; score: number }): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  if (a.member === b.member) return 0;
  return Buffer.compare(Buffer.from(a.member, 'utf8'), Buffer.from(b.member, 'utf8'));
}
