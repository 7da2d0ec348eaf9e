import type { Clock } from '../core/deps';
import { isValidAccountId, type InstallationRef } from '../core/installationRef';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Store } from '../store/store';
import { createSecretToken, hashSecretToken } from './secretTokens';

export interface AccountSessionsOptions {
  store: Store;
  clock: Clock;
  /** Longest session a partner may ask for, in seconds. Default 86400 (one day). */
  maxTtlSeconds?: number;
}

export interface AccountSessions {
  create(ref: InstallationRef, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }>;
  /** The installation a live session is bound to, or null (unknown or expired). */
  resolve(token: string): Promise<InstallationRef | null>;
}

const sessionKey = (hash: string) => `jg:session:${hash}`;

/** Short-lived bearer tokens for frontends, bound to one account; stored hashed with a store TTL. */
export function createAccountSessions(options: AccountSessionsOptions): AccountSessions {
  const { store, clock } = options;
  const maxTtlSeconds = options.maxTtlSeconds ?? 86_400;
  return {
    async create(ref, ttlSeconds) {
      if (!isValidAccountId(ref.accountId)) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'accountId must be 1-128 characters of [A-Za-z0-9._:-]');
      }
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxTtlSeconds) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, `ttlSeconds must be an integer from 1 to ${maxTtlSeconds}`);
      }
      const token = createSecretToken('jgs');
      const expiresAt = new Date(clock.now() + ttlSeconds * 1000);
      const record = { partnerId: ref.partnerId, accountId: ref.accountId, expiresAt: expiresAt.getTime() };
      await store.set(sessionKey(hashSecretToken(token)), JSON.stringify(record), { ttlMs: ttlSeconds * 1000 });
      return { token, expiresAt };
    },

    async resolve(token) {
      const raw = await store.get(sessionKey(hashSecretToken(token)));
      if (!raw) return null;
      const record = JSON.parse(raw) as { partnerId: string; accountId: string; expiresAt: number };
      // The store TTL is the main expiry; this check covers an embedded store read just before its sweep.
      if (record.expiresAt <= clock.now()) return null;
      return { partnerId: record.partnerId, accountId: record.accountId };
    },
  };
}
