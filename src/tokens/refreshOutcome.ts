import { createHash } from 'node:crypto';
import type { AccessTokenResult } from './accessTokenProvider';

/** An access token as kept in process memory (never a refresh token: those are read from the store). */
export interface CachedToken {
  accessToken: string;
  /** ms since the epoch. */
  expiresAt: number;
  /** When it was stored (ms); with `expiresAt` it gives the lifetime `shouldRefresh` needs. */
  issuedAt: number;
}

/** What one refresh flight ends with; shared by every caller that joined it. */
export type RefreshOutcome =
  | { kind: 'ok'; token: CachedToken; refreshed: boolean }
  | { kind: 'not_installed' }
  | { kind: 'reauthorization_required' }
  /** Jobber refused the app's client credentials: the installation and its refresh token are intact. */
  | { kind: 'client_refused'; retryAfterMs: number }
  | { kind: 'transient'; message: string; retryAfterMs?: number };

export function toAccessTokenResult(outcome: RefreshOutcome): AccessTokenResult {
  if (outcome.kind === 'ok') return { ok: true, accessToken: outcome.token.accessToken, expiresAt: outcome.token.expiresAt };
  if (outcome.kind === 'transient') {
    return { ok: false, reason: 'transient', message: outcome.message, ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }) };
  }
  if (outcome.kind === 'client_refused') return { ok: false, reason: 'client_refused', retryAfterMs: outcome.retryAfterMs };
  return { ok: false, reason: outcome.kind };
}

/** A one-way name for a refresh token (claim keys, the spent set): SHA-256, base64url. */
export function fingerprintRefreshToken(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('base64url');
}
