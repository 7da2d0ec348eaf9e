export interface ShouldRefreshInput {
  /** ms since the epoch. */
  now: number;
  /** When the access token expires (ms). */
  expiresAt: number;
  /** When the access token was issued/stored (ms); `expiresAt - issuedAt` is its lifetime. */
  issuedAt: number;
  /** TOKEN_REFRESH_MARGIN_MS: refresh at most this long before expiry (ms). */
  marginMs: number;
}

/**
 * Whether an access token is due for refresh (DESIGN.md "Tokens"): when less than
 * min(marginMs, lifetime / 10) is left, so a 60-minute token is refreshed 5 minutes early while a
 * 3-second sandbox token is refreshed 300 ms early instead of on every request. An expired token
 * (or one with no lifetime at all) is always due. Pure.
 */
export function shouldRefresh({ now, expiresAt, issuedAt, marginMs }: ShouldRefreshInput): boolean {
  const remaining = expiresAt - now;
  if (remaining <= 0) return true;
  const lifetime = Math.max(0, expiresAt - issuedAt);
  return remaining < Math.min(Math.max(0, marginMs), lifetime / 10);
}
