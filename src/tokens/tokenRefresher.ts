import { encodeInstallationRef, type InstallationRef } from '../core/installationRef';
import { ErrorCode, isGatewayError } from '../errors/gatewayError';
import type { AccessTokenProvider, AccessTokenResult } from './accessTokenProvider';
import { createRefreshFlight, type FlightIntent } from './refreshFlight';
import { toAccessTokenResult as toResult, type CachedToken, type RefreshOutcome as Outcome } from './refreshOutcome';
import type { TokenRefresherOptions } from './refresherSettings';
import { shouldRefresh } from './shouldRefresh';

export type { TokenRefresherOptions } from './refresherSettings';

export type RefreshNowOutcome = 'refreshed' | 'skipped' | 'not_installed' | 'reauthorization_required' | 'client_refused' | 'transient';

export interface TokenRefresher extends AccessTokenProvider {
  /** Refreshes now under the same locks (the keeper); with `onlyIfIdleSince` (ms), only if not refreshed since. */
  refreshNow(ref: InstallationRef, options?: { onlyIfIdleSince?: number }): Promise<RefreshNowOutcome>;
}

/**
 * Rotation-safe token refresh (DESIGN.md "Tokens"). Invariant: a refresh token that Jobber accepted (or
 * refused) is never sent again, by any process. How: one flight per installation in this process; one
 * process at a time through the Redis lock; a re-read after locking (another process may have rotated
 * already); a claim per refresh token whose TTL outlasts the token call (so a lock lost to a stall or a
 * crash never lets a second process send the same token while the first call may be in flight); the new
 * pair written with a version check before the lock is released; and, as a last line, an in-memory set
 * of refresh tokens this process has spent. Here: the served-token cache and one flight per installation;
 * the flight itself (everything from the lock on) is `createRefreshFlight` in refreshFlight.ts.
 */
export function createTokenRefresher(options: TokenRefresherOptions): TokenRefresher {
  const { deps, marginMs } = options;
  const { clock } = deps;

  const recheckMs = options.recheckMs ?? 2_000;
  /** `checkedAt`: when the token record was last read (ms); the token is served without a read until checkedAt + recheckMs. */
  const cache = new Map<string, CachedToken & { checkedAt: number }>();
  const inflight = new Map<string, Promise<Outcome>>();

  const isDue = (t: CachedToken, now: number): boolean => shouldRefresh({ now, expiresAt: t.expiresAt, issuedAt: t.issuedAt, marginMs });

  function remember(id: string, token: CachedToken): void {
    cache.set(id, { ...token, checkedAt: clock.now() });
  }

  const flight = createRefreshFlight(options, { remember, drop: (id) => cache.delete(id) });

  const served = (token: CachedToken): AccessTokenResult => ({ ok: true, accessToken: token.accessToken, expiresAt: token.expiresAt });

  /**
   * The fallback for a lost invalidation message: at most once per recheckMs per installation, read the
   * token record again (gone after an uninstall, disconnect or reauthorization anywhere). While a flight
   * is already reading it, the cached token serves. With the store down, a cached valid token may go on
   * (DESIGN.md "When Redis is down") and is checked again one period later.
   */
  async function recheck(ref: InstallationRef, id: string, cached: CachedToken & { checkedAt: number }): Promise<AccessTokenResult> {
    if (inflight.has(id)) return served(cached);
    try {
      const outcome = await startFlight(ref, {});
      if (outcome.kind !== 'ok') cache.delete(id);
      return toResult(outcome);
    } catch (error) {
      if (!isGatewayError(error) || error.code !== ErrorCode.STORE_UNAVAILABLE || cache.get(id) !== cached) throw error;
      cached.checkedAt = clock.now();
      return served(cached);
    }
  }

  function startFlight(ref: InstallationRef, intent: FlightIntent): Promise<Outcome> {
    const id = encodeInstallationRef(ref);
    const promise = flight.run(ref, intent).finally(() => inflight.delete(id));
    inflight.set(id, promise);
    return promise;
  }

  return {
    async getAccessToken(ref, callOptions = {}) {
      const id = encodeInstallationRef(ref);
      const rejected = callOptions.rejected;
      // At most a few rounds: joining another flight whose answer is the token we just saw rejected.
      let last: Outcome | undefined;
      for (let round = 0; round < 3; round++) {
        const cached = cache.get(id);
        const now = clock.now();
        if (cached && cached.accessToken !== rejected && !isDue(cached, now)) {
          return now - cached.checkedAt < recheckMs ? served(cached) : recheck(ref, id, cached);
        }
        if (cached) cache.delete(id);
        const running = inflight.get(id);
        const outcome = await (running ?? startFlight(ref, rejected === undefined ? {} : { rejected }));
        // A joined flight may have had another purpose (the keeper, another rejected token): if it could not
        // serve us, decide again with our own intent (its backoff keeps that from calling Jobber again).
        const unusable = outcome.kind === 'transient' || (outcome.kind === 'ok' && outcome.token.accessToken === rejected);
        if (!running || !unusable) return toResult(outcome);
        last = outcome;
      }
      return last?.kind === 'transient' ? toResult(last) : { ok: false, reason: 'transient', message: 'access token keeps being rejected' };
    },

    forget(ref) {
      const id = encodeInstallationRef(ref);
      cache.delete(id);
      flight.forgetBackoff(id);
      // The flight's `unsaved` stays: it may hold the only copy of a pair Jobber already rotated to (its
      // save threw), and it is used only while the stored record is still the one it replaces, so after an
      // uninstall or a reinstall it is dropped by the next flight. Invalidations arrive for many reasons (a
      // session revocation too), and none of them may lose a live refresh token.
      // A flight running now may have read the record before the change: what it caches goes too.
      inflight
        .get(id)
        ?.finally(() => cache.delete(id))
        .catch(() => undefined);
    },

    async refreshNow(ref, refreshOptions = {}) {
      const running = inflight.get(encodeInstallationRef(ref));
      if (running) return (await running).kind === 'ok' ? 'skipped' : 'transient';
      const outcome = await startFlight(ref, { onlyIfIdleSince: refreshOptions.onlyIfIdleSince ?? Number.POSITIVE_INFINITY });
      if (outcome.kind === 'ok') return outcome.refreshed ? 'refreshed' : 'skipped';
      return outcome.kind;
    },
  };
}
