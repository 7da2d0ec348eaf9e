import type { Clock } from '../core/deps';
import { buildInstallationKey, buildPartnerKey, isValidAccountId, type InstallationRef } from '../core/installationRef';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { InvalidationChannel } from '../store/invalidationChannel';
import type { Store } from '../store/store';
import { createSecretToken, hashSecretToken } from './secretTokens';
import { createSessionGate, type SessionStanding } from './sessionGate';

export interface AccountSessionsOptions {
  store: Store;
  clock: Clock;
  /** Longest session a partner may ask for, in seconds. Default 86400 (one day). */
  maxTtlSeconds?: number;
  /** The installation's status (a session works only while it is INSTALLED); null = no installation. */
  getInstallationStatus(ref: InstallationRef): Promise<string | null>;
  /** The partner's state (its sessions are refused while it is disabled); null = no such partner. */
  getPartner(partnerId: string): Promise<{ disabled: boolean } | null>;
  /** Tells every process that sessions of an installation or a partner were revoked; absent = this process only. */
  invalidation?: Pick<InvalidationChannel, 'publish' | 'listen'>;
  /** How long an installation's standing is trusted from memory (ms); default 2000 (CACHE_RECHECK_MS). */
  recheckMs?: number;
}

export type SessionRefusal = 'unknown' | 'revoked' | 'not_installed' | 'partner_disabled';
export type SessionResolution = { ok: true; ref: InstallationRef } | { ok: false; reason: SessionRefusal };

export interface AccountSessions {
  create(ref: InstallationRef, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }>;
  /** The installation a live session is bound to, or why it no longer works. */
  resolve(token: string): Promise<SessionResolution>;
  /** Every session of the account made so far stops working (in every process within the re-check period). */
  revokeAccount(ref: InstallationRef): Promise<void>;
  /** Every session of every account of the partner made so far stops working. */
  revokePartner(partnerId: string): Promise<void>;
}

interface SessionRecord {
  partnerId: string;
  accountId: string;
  expiresAt: number;
  /** The account's and the partner's session generations when it was made (absent in older records: 0). */
  ag?: number;
  pg?: number;
}

const sessionKey = (hash: string) => `jg:session:${hash}`;
const accountGenerationKey = (ref: InstallationRef) => buildInstallationKey(ref, 'sessions-generation');
const partnerGenerationKey = (partnerId: string) => buildPartnerKey(partnerId, 'sessions-generation');
const toGeneration = (raw: string | null | undefined): number => (raw ? Number(raw) || 0 : 0);

/**
 * Short-lived bearer tokens for frontends, bound to one account; stored hashed with a store TTL.
 * Revocation is by generation: revoking increments a counter (per account, per partner) and a session
 * stamped with a lower one is refused, so no session list is kept and one read serves each request
 * (the installation's standing comes from memory: see sessionGate).
 */
export function createAccountSessions(options: AccountSessionsOptions): AccountSessions {
  const { store, clock } = options;
  const maxTtlSeconds = options.maxTtlSeconds ?? 86_400;

  async function readStanding(ref: InstallationRef): Promise<SessionStanding> {
    const [status, generations, partner] = await Promise.all([
      options.getInstallationStatus(ref),
      store.mget([accountGenerationKey(ref), partnerGenerationKey(ref.partnerId)]),
      options.getPartner(ref.partnerId),
    ]);
    return {
      installed: status === 'INSTALLED',
      partnerDisabled: partner === null || partner.disabled,
      accountGeneration: toGeneration(generations[0]),
      partnerGeneration: toGeneration(generations[1]),
    };
  }

  const gate = createSessionGate({ clock, read: readStanding, recheckMs: options.recheckMs ?? 2_000 });
  options.invalidation?.listen((invalidation) => {
    if (invalidation.kind === 'installation') gate.forgetInstallation(invalidation);
    else gate.forgetPartner(invalidation.partnerId);
  });

  return {
    async create(ref, ttlSeconds) {
      if (!isValidAccountId(ref.accountId)) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'accountId must be 1-128 characters of [A-Za-z0-9._:-]');
      }
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxTtlSeconds) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, `ttlSeconds must be an integer from 1 to ${maxTtlSeconds}`);
      }
      // Read before the session exists: a revocation that lands after this read refuses it too (it errs towards revoked).
      const [ag, pg] = await store.mget([accountGenerationKey(ref), partnerGenerationKey(ref.partnerId)]);
      const token = createSecretToken('jgs');
      const expiresAt = new Date(clock.now() + ttlSeconds * 1000);
      const record: SessionRecord = { partnerId: ref.partnerId, accountId: ref.accountId, expiresAt: expiresAt.getTime(), ag: toGeneration(ag), pg: toGeneration(pg) };
      await store.set(sessionKey(hashSecretToken(token)), JSON.stringify(record), { ttlMs: ttlSeconds * 1000 });
      return { token, expiresAt };
    },

    async resolve(token) {
      const raw = await store.get(sessionKey(hashSecretToken(token)));
      if (!raw) return { ok: false, reason: 'unknown' };
      const record = JSON.parse(raw) as SessionRecord;
      // The store TTL is the main expiry; this check covers an embedded store read just before its sweep.
      if (record.expiresAt <= clock.now()) return { ok: false, reason: 'unknown' };
      const ref = { partnerId: record.partnerId, accountId: record.accountId };
      const [ag, pg] = [record.ag ?? 0, record.pg ?? 0];
      let standing = await gate.standing(ref);
      // Stamped with a newer generation than remembered: made after a revocation this process has not seen yet.
      if (ag > standing.accountGeneration || pg > standing.partnerGeneration) standing = await gate.standing(ref, { fresh: true });
      if (standing.partnerDisabled) return { ok: false, reason: 'partner_disabled' };
      if (!standing.installed) return { ok: false, reason: 'not_installed' };
      if (ag < standing.accountGeneration || pg < standing.partnerGeneration) return { ok: false, reason: 'revoked' };
      return { ok: true, ref };
    },

    async revokeAccount(ref) {
      await store.incr(accountGenerationKey(ref));
      if (options.invalidation) await options.invalidation.publish({ kind: 'installation', ...ref });
      else gate.forgetInstallation(ref);
    },

    async revokePartner(partnerId) {
      await store.incr(partnerGenerationKey(partnerId));
      if (options.invalidation) await options.invalidation.publish({ kind: 'partner', partnerId });
      else gate.forgetPartner(partnerId);
    },
  };
}
