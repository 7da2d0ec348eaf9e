import { encodeInstallationRef, type InstallationRef } from '../core/installationRef';
import { isRefreshLockHeld, tryAcquireRefreshLock, tryClaimRefreshToken, type HeldRefreshLock } from './refreshLock';
import { createClientRefusals } from './clientRefusals';
import { fingerprintRefreshToken as fingerprint, type CachedToken, type RefreshOutcome as Outcome } from './refreshOutcome';
import { resolveRefresherSettings, type TokenRefresherOptions } from './refresherSettings';
import { shouldRefresh } from './shouldRefresh';
import type { TokenPair, TokenRecord } from './tokenStore';

/** `rejected`: the access token a caller saw refused; `onlyIfIdleSince` (ms, refreshNow): refresh only if not refreshed since. */
export interface FlightIntent {
  rejected?: string;
  onlyIfIdleSince?: number;
}

const SPENT_CAPACITY = 100_000;

/** How a flight reaches the served-token cache of its refresher. */
export interface RefreshFlightHooks {
  /** A token the flight read or saved: serve it from the cache. */
  remember(id: string, token: CachedToken): void;
  /** The installation needs reauthorization: its cached token must not be served any more. */
  drop(id: string): void;
}

export interface RefreshFlight {
  /** One refresh attempt for `ref`; the caller runs at most one per installation at a time in this process. */
  run(ref: InstallationRef, intent: FlightIntent): Promise<Outcome>;
  /** Ends the backoff after transient failures. Unsaved issued pairs stay: they may be the only copy of a live refresh token. */
  forgetBackoff(id: string): void;
}

/**
 * One refresh flight under the Redis lock: the re-read after locking, the refresh-token claim, the
 * versioned save, the spent set, unsaved pairs, backoff and refused client credentials that keep the
 * invariant of `createTokenRefresher` (tokenRefresher.ts): a refresh token that Jobber accepted (or
 * refused) is never sent again, by any process.
 */
export function createRefreshFlight(options: TokenRefresherOptions, hooks: RefreshFlightHooks): RefreshFlight {
  const { deps, tokenStore, tokenClient, marginMs } = options;
  const { clock, logger, store } = deps;
  const { lockTtlMs, lockWaitMs, lockPollMs, backoffBaseMs, backoffMaxMs, inlineRetryMaxMs, claimTtlMs } = resolveRefresherSettings(options);

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

  function useRecord(id: string, record: TokenRecord): Outcome {
    hooks.remember(id, toCached(record));
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
      hooks.remember(id, token);
      logger.info({ ...logRef(ref), version: expected.version + 1 }, 'access token refreshed');
    } else {
      // Must not happen under the lock; the pair is still valid for this call, and nothing is resent.
      logger.error({ ...logRef(ref), version: expected.version }, 'refreshed pair NOT saved: the token record changed under the refresh lock');
    }
    return { kind: 'ok', token, refreshed: true };
  }

  async function requireReauthorization(ref: InstallationRef, id: string, dead: TokenRecord, reason: string): Promise<Outcome> {
    hooks.drop(id);
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

  return { run: flight, forgetBackoff: (id) => backoff.delete(id) };
}
