import type { Clock } from '../core/deps';
import { GatewayError } from '../errors/gatewayError';
import type { SetOptions, Store } from './store';
import type { StoreEntry } from './storeSnapshot';
import { assertLimit, assertScore, compareScoredMembers, normalizeTtlMs, parseStoreInteger } from './storeArguments';

export type KeyspaceOperations = Omit<Store, 'ping' | 'close' | 'publish' | 'subscribe'>;

/** Expired keys nobody reads again would stay for ever: every this many changes, all are swept. */
export const SWEEP_EVERY_CHANGES = 1000;

/**
 * The embedded store's data in memory, with Redis's semantics. Every method runs to completion
 * without awaiting, so each one is atomic on Node's single thread (that is what makes
 * compareAndSet and zRem claims safe). Expired keys are dropped when read, and all of them
 * every SWEEP_EVERY_CHANGES changes, and by `sweepExpired`. `onChange` is called after every
 * mutation (the embedded store schedules a write).
 */
export function createMemoryKeyspace(entries: Map<string, StoreEntry>, clock: Clock, onChange: () => void): KeyspaceOperations & {
  sweepExpired(): void;
} {
  let changesSinceSweep = 0;

  // Runs after a change is complete, so a sweep never removes the entry a method is working on.
  function changed(): void {
    if (++changesSinceSweep >= SWEEP_EVERY_CHANGES) sweepExpired();
    onChange();
  }

  function sweepExpired(): void {
    changesSinceSweep = 0;
    const now = clock.now();
    for (const [key, entry] of entries) if (entry.expiresAt !== null && entry.expiresAt <= now) entries.delete(key);
  }

  function live(key: string): StoreEntry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= clock.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function wrongType(key: string): GatewayError {
    return new GatewayError('INTERNAL_SERVER_ERROR', `Store key ${key} holds the wrong kind of value for this operation`);
  }

  function liveString(key: string): (StoreEntry & { kind: 'string' }) | undefined {
    const entry = live(key);
    if (entry && entry.kind !== 'string') throw wrongType(key);
    return entry;
  }

  function liveZset(key: string): (StoreEntry & { kind: 'zset' }) | undefined {
    const entry = live(key);
    if (entry && entry.kind !== 'zset') throw wrongType(key);
    return entry;
  }

  function expiryOf(ttlMs: number | undefined): number | null {
    return ttlMs === undefined ? null : clock.now() + normalizeTtlMs(ttlMs);
  }

  function putString(key: string, value: string, ttlMs: number | undefined): void {
    entries.set(key, { kind: 'string', value, expiresAt: expiryOf(ttlMs) });
    changed();
  }

  return {
    async get(key) {
      return liveString(key)?.value ?? null;
    },
    async mget(keys) {
      // Like Redis MGET: a key holding another kind of value reads as null, not as an error.
      return keys.map((key) => {
        const entry = live(key);
        return entry?.kind === 'string' ? entry.value : null;
      });
    },
    async set(key: string, value: string, options: SetOptions = {}) {
      const expiresAt = expiryOf(options.ttlMs); // validates before any change
      if (options.onlyIfAbsent && live(key)) return false;
      entries.set(key, { kind: 'string', value, expiresAt });
      changed();
      return true;
    },
    async del(...keys) {
      let count = 0;
      for (const key of keys) if (live(key) && entries.delete(key)) count++;
      if (count > 0) changed();
      return count;
    },
    async getDel(key) {
      const entry = liveString(key);
      if (!entry) return null;
      entries.delete(key);
      changed();
      return entry.value;
    },
    async compareAndSet(key, expected, value, options = {}) {
      if (options.ttlMs !== undefined) normalizeTtlMs(options.ttlMs);
      const current = liveString(key)?.value ?? null;
      if (current !== expected) return false;
      putString(key, value, options.ttlMs);
      return true;
    },
    async compareAndDelete(key, expected) {
      if (liveString(key)?.value !== expected) return false;
      entries.delete(key);
      changed();
      return true;
    },
    async compareAndExpire(key, expected, ttlMs) {
      const expiresAt = expiryOf(ttlMs);
      const entry = liveString(key);
      if (entry?.value !== expected) return false;
      entry.expiresAt = expiresAt;
      changed();
      return true;
    },
    async ttlMs(key) {
      const entry = live(key);
      if (!entry || entry.expiresAt === null) return null;
      return entry.expiresAt - clock.now();
    },
    async incr(key, options = {}) {
      const expiresAt = expiryOf(options.ttlMs);
      const entry = liveString(key);
      if (!entry) {
        entries.set(key, { kind: 'string', value: '1', expiresAt });
        changed();
        return 1;
      }
      const current = parseStoreInteger(entry.value);
      if (current === undefined || !Number.isSafeInteger(current + 1)) {
        throw new GatewayError('INTERNAL_SERVER_ERROR', `Store key ${key} does not hold an integer`);
      }
      entry.value = String(current + 1);
      changed();
      return current + 1;
    },
    async zAdd(key, score, member) {
      assertScore(score);
      const entry = liveZset(key);
      if (entry) entry.members.set(member, score);
      else entries.set(key, { kind: 'zset', members: new Map([[member, score]]), expiresAt: null });
      changed();
    },
    async zRem(key, member) {
      const entry = liveZset(key);
      if (!entry || !entry.members.delete(member)) return false;
      // Like Redis, an empty sorted set does not exist.
      if (entry.members.size === 0) entries.delete(key);
      changed();
      return true;
    },
    async zRangeByScore(key, min, max, limit) {
      assertScore(min);
      assertScore(max);
      assertLimit(limit);
      const entry = liveZset(key);
      if (!entry || limit === 0) return [];
      const inRange: { member: string; score: number }[] = [];
      for (const [member, score] of entry.members) if (score >= min && score <= max) inRange.push({ member, score });
      inRange.sort(compareScoredMembers);
      return limit === undefined ? inRange : inRange.slice(0, limit);
    },
    async zScore(key, member) {
      return liveZset(key)?.members.get(member) ?? null;
    },
    async zCard(key) {
      return liveZset(key)?.members.size ?? 0;
    },
    sweepExpired,
  };
}
