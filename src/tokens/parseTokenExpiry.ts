/** The fields of a token endpoint response that can say when the access token expires (JOBBER.md "OAuth"). */
export interface TokenExpiryInput {
  accessToken: string;
  /** e.g. "2024-04-09 21:04:31 UTC" or an ISO 8601 string. */
  expiresAt?: unknown;
  /** Seconds from now (unconfirmed at Jobber; accepted if present). */
  expiresIn?: unknown;
}

/** Used when nothing in the response says when the token expires: Jobber's documented default lifetime. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

/**
 * When the access token expires, in ms since the epoch. Order (DESIGN.md "Tokens"): the JWT `exp` claim
 * (decoded without verification: only Jobber can verify it), then `expires_at`, then `expires_in`, then
 * now + 60 minutes. Pure.
 */
export function parseTokenExpiry(input: TokenExpiryInput, now: number): number {
  return (
    readJwtExp(input.accessToken) ??
    parseExpiresAt(input.expiresAt) ??
    parseExpiresIn(input.expiresIn, now) ??
    now + DEFAULT_ACCESS_TOKEN_LIFETIME_MS
  );
}

function readJwtExp(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return undefined;
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? Math.round(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}

function parseExpiresAt(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  // Jobber's "2024-04-09 21:04:31 UTC" is not ISO; rewrite it to "2024-04-09T21:04:31Z".
  const jobberStyle = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*UTC$/.exec(value.trim());
  const text = jobberStyle ? `${jobberStyle[1]}T${jobberStyle[2]}Z` : value.trim();
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function parseExpiresIn(value: unknown, now: number): number | undefined {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? now + seconds * 1000 : undefined;
}
