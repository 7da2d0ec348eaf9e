import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { buildInstallationKey, type InstallationRef } from '../core/installationRef';
import type { Store } from '../store/store';

/** A held refresh lock. `release` deletes it only if this owner still holds it. */
export interface HeldRefreshLock {
  /** False once a renewal found the lock gone or taken (the TTL ran out under us). */
  readonly stillHeld: () => boolean;
  release(): Promise<void>;
}

export interface RefreshLockOptions {
  store: Store;
  logger: Logger;
  /** Lock time to live in ms; renewed every ttl/3 while held. */
  ttlMs: number;
}

/** The store key of an installation's cross-process refresh lock. */
export function buildRefreshLockKey(ref: InstallationRef): string {
  return buildInstallationKey(ref, 'refresh-lock');
}

/**
 * Tries once to take the refresh lock of one installation (SET NX PX with a random owner id). While held,
 * renews it every ttl/3 by compare-and-expire, so a token call slower than the TTL keeps it; a process that
 * dies stops renewing and the lock frees itself after the TTL. Returns null when another owner holds it.
 */
export async function tryAcquireRefreshLock(ref: InstallationRef, options: RefreshLockOptions): Promise<HeldRefreshLock | null> {
  const { store, logger, ttlMs } = options;
  const key = buildRefreshLockKey(ref);
  const owner = randomUUID();
  if (!(await store.set(key, owner, { onlyIfAbsent: true, ttlMs }))) return null;

  let held = true;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = store
      .compareAndExpire(key, owner, ttlMs)
      .then((renewed) => {
        if (!renewed && held) {
          held = false;
          logger.error({ partnerId: ref.partnerId, accountId: ref.accountId }, 'refresh lock lost before the refresh finished');
        }
      })
      .catch((error: unknown) => logger.warn({ err: error, partnerId: ref.partnerId, accountId: ref.accountId }, 'refresh lock renewal failed'));
  }, Math.max(1, Math.floor(ttlMs / 3)));
  timer.unref();

  return {
    stillHeld: () => held,
    async release() {
      clearInterval(timer);
      await renewing;
      held = false;
      try {
        await store.compareAndDelete(key, owner);
      } catch (error) {
        // The TTL frees it anyway; never let a failed release hide the refresh outcome.
        logger.warn({ err: error, partnerId: ref.partnerId, accountId: ref.accountId }, 'refresh lock release failed');
      }
    },
  };
}

/** Whether any process holds the installation's refresh lock right now. */
export async function isRefreshLockHeld(ref: InstallationRef, store: Store): Promise<boolean> {
  return (await store.get(buildRefreshLockKey(ref))) !== null;
}

/** A claim on one refresh token: at most one holder may send it to Jobber while the claim lives. */
export interface RefreshTokenClaim {
  /** Gives the token back so it may be sent again (after a transient failure: Jobber did not take it). */
  release(): Promise<void>;
}

/**
 * Claims the right to send one particular refresh token (SET NX on a key named by the token's hash).
 * A second line of defence behind the refresh lock: the lock can be lost (a process stalled past its TTL
 * and renewal), but a claim's TTL outlasts the token call's timeout, so nobody sends the same token while
 * the first call may still be in flight. Its TTL is not renewed: the call cannot outlive its timeout.
 */
export async function tryClaimRefreshToken(
  ref: InstallationRef,
  refreshTokenFingerprint: string,
  options: { store: Store; ttlMs: number },
): Promise<RefreshTokenClaim | null> {
  const key = buildInstallationKey(ref, `refresh-claim:${refreshTokenFingerprint}`);
  const owner = randomUUID();
  if (!(await options.store.set(key, owner, { onlyIfAbsent: true, ttlMs: options.ttlMs }))) return null;
  return {
    async release() {
      await options.store.compareAndDelete(key, owner).catch(() => undefined);
    },
  };
}
