import type { Clock } from '../core/deps';
import { ErrorCode, isGatewayError } from '../errors/gatewayError';
import type { Partner } from './partnerRecords';

/** A verified key: its partner, which of the partner's keys it is, and until when it works (null = no end). */
export interface VerifiedKey {
  partner: Partner;
  keyId: string;
  expiresAt: number | null;
}

export interface PartnerKeyCacheOptions {
  clock: Clock;
  /** Reads the store: the verified key for a hash, or null. */
  lookup(hash: string): Promise<VerifiedKey | null>;
  /** How long a verified key is served without reading the store again (ms). CACHE_RECHECK_MS. */
  recheckMs: number;
  /** How long after its last successful check a key still serves while the store is unreachable (ms). */
  outageGraceMs: number;
  /** Entries kept at most (the cache is cleared when full). Default 10000. */
  maxEntries?: number;
}

interface Entry {
  verified: VerifiedKey;
  checkedAt: number;
  verifiedAt: number;
}

/**
 * Verified API keys in process memory, so the hot path reads no store: each key is checked against the
 * store at most once per `recheckMs` (the fallback for a lost invalidation), one read at a time per key,
 * and dropped at once by `forgetPartner` (rotate, revoke, disable: the invalidation channel). A key past
 * its grace is never served. When the store is down, a key verified within `outageGraceMs` goes on
 * (DESIGN.md "When Redis is down").
 */
export function createPartnerKeyCache(options: PartnerKeyCacheOptions) {
  const { clock, lookup, recheckMs, outageGraceMs } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<VerifiedKey | null>>();

  const isLive = (verified: VerifiedKey, now: number): boolean => verified.expiresAt === null || verified.expiresAt > now;

  async function check(hash: string, stale: Entry | undefined): Promise<VerifiedKey | null> {
    let verified: VerifiedKey | null;
    try {
      verified = await lookup(hash);
    } catch (error) {
      const now = clock.now();
      const servable = stale && entries.get(hash) === stale && now - stale.verifiedAt < outageGraceMs && isLive(stale.verified, now);
      if (!servable || !isGatewayError(error) || error.code !== ErrorCode.STORE_UNAVAILABLE) throw error;
      stale.checkedAt = now;
      return stale.verified;
    }
    const now = clock.now();
    if (verified && isLive(verified, now)) {
      if (entries.size >= maxEntries) entries.clear();
      entries.set(hash, { verified, checkedAt: now, verifiedAt: now });
      return verified;
    }
    entries.delete(hash);
    return null;
  }

  return {
    /**
     * The verified key, from memory when it was checked within `recheckMs`, else from the store.
     * `beforeStoreRead` is called (and may throw, to refuse first) only when this call starts a store read.
     */
    async verify(hash: string, beforeStoreRead?: () => void): Promise<VerifiedKey | null> {
      const entry = entries.get(hash);
      const now = clock.now();
      if (entry && isLive(entry.verified, now) && now - entry.checkedAt < recheckMs) return entry.verified;
      let running = pending.get(hash);
      if (!running) {
        beforeStoreRead?.();
        running = check(hash, entry).finally(() => pending.delete(hash));
        pending.set(hash, running);
      }
      return running;
    },

    /** Drops every key of the partner (and what a read already running would cache). */
    forgetPartner(partnerId: string): void {
      for (const [hash, entry] of entries) if (entry.verified.partner.id === partnerId) entries.delete(hash);
      for (const [hash, running] of pending) {
        void running
          .then((verified) => {
            if (verified?.partner.id === partnerId) entries.delete(hash);
          })
          .catch(() => undefined);
      }
    },
  };
}
