import { encodeInstallationRef, type InstallationRef } from '../core/installationRef';
import { ErrorCode, isGatewayError } from '../errors/gatewayError';
import type { AccessTokenProvider, AccessTokenResult } from './accessTokenProvider';
import { isRefreshLockHeld, tryAcquireRefreshLock, tryClaimRefreshToken, type HeldRefreshLock } from './refreshLock';
import { createClientRefusals } from './clientRefusals';
import { fingerprintRefreshToken as fingerprint, toAccessTokenResult as toResult, type CachedToken, type RefreshOutcome as Outcome } from './refreshOutcome';
import { resolveRefresherSettings, type TokenRefresherOptions } from './refresherSettings';
import { shouldRefresh } from './shouldRefresh';
import type { TokenPair, TokenRecord } from './tokenStore';

export type { TokenRefresherOptions } from './refresherSettings';

export type RefreshNowOutcome = 'refreshed' | 'skipped' | 'not_installed' | 'reauthorization_required' | 'client_refused' | 'transient';

export interface TokenRefresher extends AccessTokenProvider {
  /** Refreshes now under the same locks (the keeper); with `onlyIfIdleSince` (ms), only if not refreshed since. */
  refreshNow(ref: InstallationRef, options?: { onlyIfIdleSince?: number }): Promise<RefreshNowOutcome>;
}

interface FlightIntent {
  rejected?: string;
  onlyIfIdleSince?: number;
}

const SPENT_CAPACITY = 100_000;

/**
 * Rotation-safe token refresh (DESIGN.md "Tokens"). Invariant: a refresh token that Jobber accepted (or
 * refused) is never sent again, by any process. How: one flight per installation in this process; one
 * process at a time through the Redis lock; a re-read after locking (another process may have rotated
 * already); a claim per refresh token whose TTL outlasts the token call (so a lock lost to a stall or a
 * crash never lets a second process send the same token while the first call may be in flight); the new
 * pair written with a version check before the lock is released; and, as a last line, an in-memory set
 * of refresh tokens this process has spent.
 */
export function createTokenRefresher(options: TokenRefresherOptions): TokenRefresher {
  const { deps, tokenStore, tokenClient, marginMs } = options;
  const { clock, logger, store } = deps;
  const { lockTtlMs, lockWaitMs, lockPollMs, backoffBaseMs, backoffMaxMs, inlineRetryMaxMs, claimTtlMs } = resolveRefresherSettings(options);

  const recheckMs = options.recheckMs ?? 2_000;
  /** `checkedAt`: when the token record was last read (ms); the token is served without a read until checkedAt + recheckMs. */
  const cache = new Map<string, CachedToken & { checkedAt: number }>();
  const inflight = new Map<string, Promise<Outcome>>();
  const backoff = new Map<string, { until: number; failures: number; message: string }>();
  const spent = new Set<string>();
  const refusedClients = createClientRefusals();
  /** A pair Jobber issued whose save threw (store down): saved on the next flight instead of refreshing. */
  const unsaved = new Map<string, { expectedRaw: string; pair: TokenPair }>();

  const isDue = (t: CachedToken, now: number): boolean => shouldRefresh({ now, expiresAt: t.expiresAt, issuedAt: t.issuedAt, marginMs });
  const toCached = (r: TokenRecord): CachedToken => ({ accessToken: r.accessToken, expiresAt: r.accessTokenExpiresAt, issuedAt: r.issuedAt });
  const logRef = (ref: InstallationRef): Record<string, string> => ({ partnerId: ref.partnerId, accountId: ref.accountId });
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  function markSpent(refreshToken: string): void {
    if (spent.size >= SPENT_CAPACITY) spent.delete(spent.values().next().value as string);
    spent.add(fingerprint(refreshToken));
  }

  function needsRefresh(record: TokenRecord, intent: FlightIntent, now: number): boolean {
    if (intent.onlyIfIdleSince !== undefined) return Math.max(record.issuedAt, record.lastRefreshedAt ?? 0) < intent.onlyIfIdleSince;
    return record.accessToken === intent.rejected || isDue(toCached(record), now);
  }

  function remember(id: string, token: CachedToken): void {
    cache.set(id, { ...token, checkedAt: clock.now() });
  }

  function useRecord(id: string, record: TokenRecord): Outcome {
    remember(id, toCached(record));
    return { kind: 'ok', token: toCached(record), refreshed: false };
  }

  /** Transient failure: a still-valid, not-rejected old access token beats an error. */
  function transient(message: string, retryAfterMs: number | undefined, record: TokenRecord | null, intent: FlightIntent): Outcome {
    if (record && intent.onlyIfIdleSince === undefined && record.accessTokenExpiresAt > clock.now() && record.accessToken !== intent.rejected) {
      return { kind: 'ok', token: toCached(record), refreshed: false };
    }
    return { kind: 'transient', message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }

  async function flight(ref: InstallationRef, intent: FlightIntent): Promise<Outcome> {
    const id = encodeInstallationRef(ref);
    const record = await tokenStore.read(ref);
    if (!record) return { kind: 'not_installed' };
    if (!needsRefresh(record, intent, clock.now())) return useRecord(id, record);
    const pause = backoff.get(id);
    if (pause && clock.now() < pause.until) return transient(pause.message, pause.until - clock.now(), record, intent);

    const deadline = clock.now() + lockWaitMs;
    let outcome = await refreshUnderLock(ref, id, record, intent, deadline);
    // One quick retry inside the flight when the token cannot be served otherwise and the wait is short
    // (a lone 500 just before expiry must not fail requests); longer waits are the callers' backoff.
    if (outcome.kind === 'transient' && (outcome.retryAfterMs ?? Infinity) <= inlineRetryMaxMs && clock.now() + (outcome.retryAfterMs ?? 0) < deadline) {
      await sleep(outcome.retryAfterMs ?? 0);
      const again = await tokenStore.read(ref);
      if (!again) return { kind: 'not_installed' };
      if (!needsRefresh(again, intent, clock.now())) return useRecord(id, again);
      outcome = await refreshUnderLock(ref, id, again, intent, deadline);
    }
    return outcome;
  }

  async function refreshUnderLock(ref: InstallationRef, id: string, seen: TokenRecord, intent: FlightIntent, deadline: number): Promise<Outcome> {
    let record = seen;
    for (;;) {
      const lock = await tryAcquireRefreshLock(ref, { store, logger, ttlMs: lockTtlMs });
      if (lock) {
        let outcome: Outcome | 'busy';
        try {
          outcome = await refreshHolding(ref, id, record, intent, lock);
        } finally {
          await lock.release();
        }
        if (outcome !== 'busy') return outcome;
        // Our lock was granted while a stalled holder's call with this very token may still be in flight.
        if (clock.now() > deadline) return transient('a token refresh in another process is taking too long', lockPollMs, record, intent);
        await sleep(lockPollMs);
        const latest = await tokenStore.read(ref);
        if (!latest) return { kind: 'not_installed' };
        record = latest;
        if (!needsRefresh(record, intent, clock.now())) return useRecord(id, record);
      } else {
        // Another process is refreshing: wait until the record changes or the lock frees, then decide again.
        const before: TokenRecord = record;
        let next: TokenRecord | null = before;
        while (next && next.raw === before.raw && (await isRefreshLockHeld(ref, store))) {
          if (clock.now() > deadline) return transient('a token refresh in another process is taking too long', lockPollMs, before, intent);
          await sleep(lockPollMs);
          next = await tokenStore.read(ref);
        }
        if (!next) return { kind: 'not_installed' };
        record = next;
        if (!needsRefresh(record, intent, clock.now())) return useRecord(id, record);
      }
    }
  }

  async function refreshHolding(ref: InstallationRef, id: string, seen: TokenRecord, intent: FlightIntent, lock: HeldRefreshLock): Promise<Outcome | 'busy'> {
    const current = await tokenStore.read(ref);
    if (!current) return { kind: 'not_installed' };
    // Re-read under the lock: another process may have refreshed between our read and our lock.
    if (current.raw !== seen.raw && !needsRefresh(current, intent, clock.now())) return useRecord(id, current);

    const pending = unsaved.get(id);
    if (pending && pending.expectedRaw === current.raw) return saveIssued(ref, id, current, pending.pair, lock);
    unsaved.delete(id);
    if (spent.has(fingerprint(current.refreshToken))) {
      logger.error(logRef(ref), 'stored refresh token was already spent by this process; not sending it again');
      return transient('token refresh is waiting for the store', backoffBaseMs, current, intent);
    }
    const credentials = await options.getCredentials(ref);
    if (!credentials) return requireReauthorization(ref, id, current, 'credentials_missing');
    const refusedForMs = refusedClients.remainingMs(credentials, clock.now());
    if (refusedForMs !== undefined) return clientRefused(refusedForMs, current, intent);

    const claim = await tryClaimRefreshToken(ref, fingerprint(current.refreshToken), { store, ttlMs: claimTtlMs });
    if (!claim) {
      logger.warn(logRef(ref), 'refresh token is claimed by another process (its lock expired mid-call); waiting for its result');
      return 'busy';
    }
    markSpent(current.refreshToken);
    const result = await tokenClient.refresh({ ...credentials, refreshToken: current.refreshToken });
    // Only a transient failure, or a success without rotation (the token stays valid), gives the token back;
    // an accepted-and-rotated or refused one stays claimed until the TTL and spent in this process for good.
    const rotated = result.ok && result.tokens.refreshToken !== undefined && result.tokens.refreshToken !== current.refreshToken;
    // invalid_client: the endpoint refused the client before it looked at the refresh token, which stays valid.
    if ((result.ok && !rotated) || (!result.ok && (result.kind === 'transient' || result.kind === 'invalid_client'))) {
      await claim.release();
      spent.delete(fingerprint(current.refreshToken));
    }
    if (result.ok) {
      backoff.delete(id);
      if (result.tokens.warning) logger.warn({ ...logRef(ref), warning: result.tokens.warning }, 'Jobber token endpoint warning');
      const pair: TokenPair = {
        accessToken: result.tokens.accessToken,
        refreshToken: result.tokens.refreshToken ?? current.refreshToken,
        accessTokenExpiresAt: result.tokens.accessTokenExpiresAt,
      };
      return saveIssued(ref, id, current, pair, lock);
    }
    if (result.kind === 'invalid_client') {
      // Not the installation's fault: it stays INSTALLED with its tokens, and fixing the credentials brings
      // every installation that uses them back. Logged once per refused pair of credentials.
      if (refusedClients.record(credentials, clock.now(), backoffMaxMs)) {
        logger.error(
          { ...logRef(ref), status: result.status, backoffMs: backoffMaxMs },
          'token refresh failed: the client credentials were refused (fix the Client ID / Client Secret in the connector settings)',
        );
      }
      return clientRefused(backoffMaxMs, current, intent);
    }
    if (result.kind === 'invalid_grant') {
      // Another process may have rotated the token after we read it (only possible if a lock was lost).
      const latest = await tokenStore.read(ref);
      if (latest && latest.refreshToken !== current.refreshToken) return useRecord(id, latest);
      return requireReauthorization(ref, id, latest ?? current, `token endpoint answered HTTP ${result.status}`);
    }
    // 5xx/429/timeout: the design keeps the old refresh token (released above) and backs off.
    const failures = (backoff.get(id)?.failures ?? 0) + 1;
    const delay = result.retryAfterMs ?? Math.min(backoffMaxMs, backoffBaseMs * 2 ** (failures - 1));
    backoff.set(id, { until: clock.now() + delay, failures, message: result.message });
    logger.warn({ ...logRef(ref), status: result.status, failures, backoffMs: delay }, `token refresh failed: ${result.message}`);
    return transient(result.message, delay, current, intent);
  }

  /** Like a transient failure, a still-valid access token beats the error. */
  function clientRefused(retryAfterMs: number, record: TokenRecord, intent: FlightIntent): Outcome {
    if (intent.onlyIfIdleSince === undefined && record.accessTokenExpiresAt > clock.now() && record.accessToken !== intent.rejected) {
      return { kind: 'ok', token: toCached(record), refreshed: false };
    }
    return { kind: 'client_refused', retryAfterMs };
  }

  async function saveIssued(ref: InstallationRef, id: string, expected: TokenRecord, pair: TokenPair, lock: HeldRefreshLock): Promise<Outcome> {
    if (!lock.stillHeld()) logger.error(logRef(ref), 'saving a refreshed pair after the refresh lock was lost');
    const issuedAt = clock.now();
    let saved: boolean;
    try {
      saved = await tokenStore.save(ref, pair, { expected });
    } catch (error) {
      unsaved.set(id, { expectedRaw: expected.raw, pair });
      throw error;
    }
    unsaved.delete(id);
    const token: CachedToken = { accessToken: pair.accessToken, expiresAt: pair.accessTokenExpiresAt, issuedAt };
    if (saved) {
      remember(id, token);
      logger.info({ ...logRef(ref), version: expected.version + 1 }, 'access token refreshed');
    } else {
      // Must not happen under the lock; the pair is still valid for this call, and nothing is resent.
      logger.error({ ...logRef(ref), version: expected.version }, 'refreshed pair NOT saved: the token record changed under the refresh lock');
    }
    return { kind: 'ok', token, refreshed: true };
  }

  async function requireReauthorization(ref: InstallationRef, id: string, dead: TokenRecord, reason: string): Promise<Outcome> {
    cache.delete(id);
    // Dead tokens are removed (only if unchanged) so no process ever sends this refresh token again.
    await tokenStore.discard(ref, dead);
    logger.warn({ ...logRef(ref), reason }, 'installation needs reauthorization');
    try {
      await options.onReauthorizationRequired(ref, reason);
    } catch (error) {
      logger.error({ err: error, ...logRef(ref) }, 'onReauthorizationRequired failed');
    }
    return { kind: 'reauthorization_required' };
  }

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
    const promise = flight(ref, intent).finally(() => inflight.delete(id));
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
      backoff.delete(id);
      // `unsaved` stays: it may hold the only copy of a pair Jobber already rotated to (its save threw), and
      // it is used only while the stored record is still the one it replaces, so after an uninstall or a
      // reinstall it is dropped by the next flight. Invalidations arrive for many reasons (a session
      // revocation too), and none of them may lose a live refresh token.
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
