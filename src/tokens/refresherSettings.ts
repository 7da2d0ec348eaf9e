import type { Deps } from '../core/deps';
import type { InstallationRef } from '../core/installationRef';
import type { JobberTokenClient } from './jobberTokenClient';
import type { TokenStore } from './tokenStore';

export interface TokenRefresherOptions {
  deps: Deps;
  tokenStore: TokenStore;
  tokenClient: JobberTokenClient;
  /** TOKEN_REFRESH_MARGIN_MS: see `shouldRefresh` (ms). */
  marginMs: number;
  /** The token client's timeout (JOBBER_TIMEOUT_MS, ms); default 15000. Only used for the defaults below. */
  tokenTimeoutMs?: number;
  /** Refresh lock TTL (ms); default tokenTimeoutMs + 5000. Renewed every ttl/3 while the token call runs. */
  lockTtlMs?: number;
  /** How long a caller waits for another process's refresh before answering transient (ms); default lockTtlMs + tokenTimeoutMs. */
  lockWaitMs?: number;
  /** Poll interval while another process holds the lock (ms); default 50. */
  lockPollMs?: number;
  /** Backoff after a transient token failure, doubling per failure from base to max (ms); default 1000 and 30000. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A transient failure whose backoff is at most this (ms) is retried once inside the same flight; default 2000. */
  inlineRetryMaxMs?: number;
  /**
   * How long a cached access token is served before its token record is read again (ms); default 2000.
   * The record is deleted on uninstall, disconnect and reauthorization: this bounds how long a process
   * that missed the invalidation message keeps forwarding (CACHE_RECHECK_MS).
   */
  recheckMs?: number;
  /** The installation's OAuth client credentials; null = none configured (the installation cannot refresh). */
  getCredentials(ref: InstallationRef): Promise<{ clientId: string; clientSecret: string } | null>;
  /** Marks the installation REAUTHORIZATION_REQUIRED and tells the partner; awaited, errors are logged. */
  onReauthorizationRequired(ref: InstallationRef, reason: string): Promise<void>;
}

/** The timing settings of a refresher, defaults applied. */
export interface RefresherSettings {
  lockTtlMs: number;
  lockWaitMs: number;
  lockPollMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  inlineRetryMaxMs: number;
  /** TTL of a refresh-token claim: outlasts any call that could still be in flight with the claimed token
   *  (its own timeout, plus 2 s for a stalled event loop). Also how long a crash mid-call blocks refreshes. */
  claimTtlMs: number;
}

export function resolveRefresherSettings(options: TokenRefresherOptions): RefresherSettings {
  const tokenTimeoutMs = options.tokenTimeoutMs ?? 15_000;
  const lockTtlMs = options.lockTtlMs ?? tokenTimeoutMs + 5_000;
  return {
    lockTtlMs,
    lockWaitMs: options.lockWaitMs ?? lockTtlMs + tokenTimeoutMs,
    lockPollMs: options.lockPollMs ?? 50,
    backoffBaseMs: options.backoffBaseMs ?? 1_000,
    backoffMaxMs: options.backoffMaxMs ?? 30_000,
    inlineRetryMaxMs: options.inlineRetryMaxMs ?? 2_000,
    claimTtlMs: tokenTimeoutMs + 2_000,
  };
}
