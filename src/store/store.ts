/**
 * The one narrow storage interface of the gateway. Two implementations pass the same contract tests:
 * Redis (`createRedisStore`, standalone or Cluster) and the embedded store (`createEmbeddedStore`).
 *
 * Values are strings (callers serialize). Keys that must be touched together by one atomic operation
 * carry the same Redis Cluster hash tag (`{...}`); every operation here touches exactly one key, so
 * any key layout works on Cluster. Callers put the `{...}` tag in their own keys (see
 * core/installationRef.ts); a store's key prefix never contains `{`, so it cannot take the tag over.
 *
 * Every method rejects with a `GatewayError` of code `STORE_UNAVAILABLE` when the backend cannot be
 * reached within its bounded timeout; it never hangs.
 */
export interface Store {
  get(key: string): Promise<string | null>;
  /** Values in the order of `keys`; keys may live on different Cluster slots. */
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  /** Sets a value. With `onlyIfAbsent`, returns false (and changes nothing) when the key exists. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Deletes keys; returns how many existed. */
  del(...keys: string[]): Promise<number>;
  /** Atomically reads and deletes (single-use values such as OAuth states). */
  getDel(key: string): Promise<string | null>;
  /**
   * Atomically replaces the value only if the current value equals `expected` (`null` = the key
   * must not exist). Used for versioned records (a lost update is impossible). Like `set`, the new
   * value has exactly the given TTL: without `ttlMs` it has none, whatever TTL the old value had.
   */
  compareAndSet(key: string, expected: string | null, value: string, options?: { ttlMs?: number }): Promise<boolean>;
  /** Deletes only if the current value equals `expected` (lock release by its owner). */
  compareAndDelete(key: string, expected: string): Promise<boolean>;
  /** Sets a new TTL only if the current value equals `expected` (lock renewal by its owner). */
  compareAndExpire(key: string, expected: string, ttlMs: number): Promise<boolean>;
  /** Remaining time to live in ms; null when the key does not exist or has no TTL. */
  ttlMs(key: string): Promise<number | null>;
  /** Atomically increments an integer; sets `ttlMs` when the key is created. Returns the new value. */
  incr(key: string, options?: { ttlMs?: number }): Promise<number>;

  /** Sorted sets: members ordered by score, ties by member (lexicographic). */
  zAdd(key: string, score: number, member: string): Promise<void>;
  /** Removes a member; returns true if it was there (so exactly one of many callers wins a claim). */
  zRem(key: string, member: string): Promise<boolean>;
  /** Members with min <= score <= max in order, at most `limit` of them. */
  zRangeByScore(key: string, min: number, max: number, limit?: number): Promise<{ member: string; score: number }[]>;
  zScore(key: string, member: string): Promise<number | null>;
  zCard(key: string): Promise<number>;

  /**
   * Pub/sub, for invalidation messages between the processes sharing this store (Redis: every process
   * on the same Redis with the same key prefix, which scopes channel names as it scopes keys; embedded:
   * this process only). At most once and never stored: a subscriber that is disconnected when a
   * message is published misses it, so subscribers keep a short fallback (a cache TTL) of their own.
   * Resolves once the message was handed to the backend.
   */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `handler` with every message published on `channel` from now on, never synchronously inside
   * `publish`. No order is promised (on Cluster each PUBLISH may enter through another node), so
   * messages should be idempotent "look again" notes. Resolves once the backend confirmed the
   * subscription, with the function that ends it; rejects with STORE_UNAVAILABLE (and leaves nothing
   * subscribed) when it cannot be confirmed within the store's timeout. A subscription survives
   * reconnections by itself.
   */
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;

  /** Resolves when the backend answers; rejects with STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Ends one subscription; never rejects. */
export type Unsubscribe = () => Promise<void>;

export interface SetOptions {
  /** Time to live in milliseconds; absent = forever. */
  ttlMs?: number;
  /** Only set when the key does not exist (Redis NX). */
  onlyIfAbsent?: boolean;
}
