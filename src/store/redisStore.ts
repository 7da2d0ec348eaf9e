import { GatewayError, isGatewayError } from '../errors/gatewayError';
import { classifyRedisError } from './classifyRedisError';
import { createRedisClient, type RedisClient, type RedisClientOptions } from './redisClient';
import { defineStoreScripts } from './redisScripts';
import { createRedisSubscriber } from './redisSubscriber';
import type { SetOptions, Store } from './store';
import { assertLimit, assertScore, formatScore, normalizeTtlMs, parseScore } from './storeArguments';

/** See RedisClientOptions: `url` or `clusterNodes`, `keyPrefix`, `commandTimeoutMs` (default 2000), `connectTimeoutMs`, `logger`. */
export type RedisStoreOptions = RedisClientOptions;

/**
 * The store on Redis (standalone or Cluster). Every call settles within `commandTimeoutMs`: while
 * Redis is unreachable it rejects with STORE_UNAVAILABLE (the ioredis error as `cause`), and once
 * Redis is back the same store serves again, with no restart. A call made while the connection is
 * still being set up waits for it, within the same deadline. Once connected, a lost connection
 * fails calls at once (no requests pile up waiting) while ioredis reconnects.
 *
 * A write that timed out against a hung (not dead) Redis may still be applied when Redis wakes up;
 * that is why callers make writes idempotent or versioned (compareAndSet), never blind retries.
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  const timeoutMs = options.commandTimeoutMs ?? 2000;
  const client = defineStoreScripts(createRedisClient(options));
  const isCluster = Boolean(options.clusterNodes?.length);
  // ioredis prefixes keys, not channels: channels get the same prefix here, so stores on one Redis
  // with different prefixes (parallel tests, or two deployments) never hear each other.
  const channelPrefix = options.keyPrefix ?? '';
  const subscriber = createRedisSubscriber(client, { channelPrefix, timeoutMs });
  let closed = false;
  let whenReady: Promise<void> | undefined;
  // Once connected, a lost connection means an outage: calls fail at once. Before the first
  // connection, calls wait for it (within their deadline).
  let everReady = false;
  let lastConnectionError: unknown;
  client.on('ready', () => (everReady = true));
  client.on('error', (error: unknown) => (lastConnectionError = error));

  function ready(): Promise<void> {
    whenReady ??= new Promise<void>((resolve) =>
      client.once('ready', () => {
        whenReady = undefined;
        resolve();
      }),
    );
    return whenReady;
  }

  /** Runs one store operation against a deadline; maps every failure to a GatewayError. */
  async function run<T>(operation: string, send: (redis: typeof client) => Promise<T>): Promise<T> {
    if (closed || client.status === 'end') throw new GatewayError('STORE_UNAVAILABLE', 'The Redis store is closed');
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new GatewayError('STORE_UNAVAILABLE', `Redis did not answer ${operation} within ${timeoutMs} ms`, {
              cause: lastConnectionError ?? new Error(`no reply within ${timeoutMs} ms`),
            }),
          ),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      if (client.status !== 'ready') {
        if (everReady) {
          throw new GatewayError('STORE_UNAVAILABLE', `Redis is unreachable (${operation}); reconnecting`, {
            cause: lastConnectionError ?? new Error(`connection is ${client.status}`),
          });
        }
        await Promise.race([ready(), timedOut]);
      }
      const pending = send(client);
      pending.catch(() => undefined); // it may settle after the deadline
      return await Promise.race([pending, timedOut]);
    } catch (error) {
      if (isGatewayError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (classifyRedisError(error) === 'unavailable') {
        throw new GatewayError('STORE_UNAVAILABLE', `Redis is unavailable (${operation}): ${message}`, { cause: error });
      }
      throw new GatewayError('INTERNAL_SERVER_ERROR', `Redis refused ${operation}: ${message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  const optionalTtl = (ttlMs: number | undefined): string => (ttlMs === undefined ? '' : String(normalizeTtlMs(ttlMs)));

  return {
    get: (key) => run('get', (redis) => redis.get(key)),
    async mget(keys) {
      if (keys.length === 0) return [];
      // On Cluster the keys may live on different slots (nodes): one single-key MGET each (not GET,
      // which fails on a sorted set where MGET reads null), sent together.
      if (isCluster) return run('mget', async (redis) => (await Promise.all(keys.map((key) => redis.mget(key)))).map(([value]) => value ?? null));
      return run('mget', (redis) => redis.mget(...keys));
    },
    async set(key: string, value: string, setOptions: SetOptions = {}) {
      const ttl = setOptions.ttlMs === undefined ? undefined : normalizeTtlMs(setOptions.ttlMs);
      const reply = await run('set', (redis) => {
        if (ttl !== undefined && setOptions.onlyIfAbsent) return redis.set(key, value, 'PX', ttl, 'NX');
        if (ttl !== undefined) return redis.set(key, value, 'PX', ttl);
        if (setOptions.onlyIfAbsent) return redis.set(key, value, 'NX');
        return redis.set(key, value);
      });
      return reply === 'OK';
    },
    async del(...keys) {
      if (keys.length === 0) return 0;
      if (!isCluster) return run('del', (redis) => redis.del(...keys));
      const counts = await run('del', (redis) => Promise.all(keys.map((key) => redis.del(key))));
      return counts.reduce((sum, count) => sum + count, 0);
    },
    getDel: (key) => run('getDel', (redis) => redis.getdel(key)),
    async compareAndSet(key, expected, value, casOptions = {}) {
      const ttl = optionalTtl(casOptions.ttlMs);
      const args = [expected === null ? '1' : '0', expected ?? '', value, ttl];
      return (await run('compareAndSet', (redis) => redis.jgCompareAndSet(key, ...args))) === 1;
    },
    async compareAndDelete(key, expected) {
      return (await run('compareAndDelete', (redis) => redis.jgCompareAndDelete(key, expected))) === 1;
    },
    async compareAndExpire(key, expected, ttlMs) {
      const ttl = String(normalizeTtlMs(ttlMs));
      return (await run('compareAndExpire', (redis) => redis.jgCompareAndExpire(key, expected, ttl))) === 1;
    },
    async ttlMs(key) {
      const ttl = await run('ttlMs', (redis) => redis.pttl(key));
      return ttl < 0 ? null : ttl; // -2: no key, -1: no TTL
    },
    async incr(key, incrOptions = {}) {
      const ttl = optionalTtl(incrOptions.ttlMs);
      return run('incr', (redis) => redis.jgIncrWithTtl(key, ttl));
    },
    async zAdd(key, score, member) {
      assertScore(score);
      await run('zAdd', (redis) => redis.zadd(key, formatScore(score), member));
    },
    async zRem(key, member) {
      return (await run('zRem', (redis) => redis.zrem(key, member))) === 1;
    },
    async zRangeByScore(key, min, max, limit) {
      assertScore(min);
      assertScore(max);
      assertLimit(limit);
      if (limit === 0) return [];
      const [low, high] = [formatScore(min), formatScore(max)];
      const flat = await run('zRangeByScore', (redis) =>
        limit === undefined
          ? redis.zrangebyscore(key, low, high, 'WITHSCORES')
          : redis.zrangebyscore(key, low, high, 'WITHSCORES', 'LIMIT', 0, limit),
      );
      const members: { member: string; score: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) members.push({ member: flat[i] as string, score: parseScore(flat[i + 1] as string) });
      return members;
    },
    async zScore(key, member) {
      const score = await run('zScore', (redis) => redis.zscore(key, member));
      return score === null ? null : parseScore(score);
    },
    zCard: (key) => run('zCard', (redis) => redis.zcard(key)),
    async publish(channel, message) {
      await run('publish', (redis) => redis.publish(channelPrefix + channel, message));
    },
    subscribe: (channel, handler) => {
      if (closed) return Promise.reject(new GatewayError('STORE_UNAVAILABLE', 'The Redis store is closed'));
      return subscriber.subscribe(channel, handler);
    },
    async ping() {
      await run('ping', (redis) => redis.ping());
    },
    async close() {
      if (closed) return;
      closed = true;
      subscriber.close();
      await closeClient(client, timeoutMs);
    },
  };
}

/** Quits politely when connected (pending replies arrive first), and always stops reconnecting. */
async function closeClient(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([client.quit().catch(() => undefined), gaveUp]);
    clearTimeout(timer);
  }
  client.disconnect();
}
