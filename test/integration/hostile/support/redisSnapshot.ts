import { Redis } from 'ioredis';

/** Every key of a Redis with its type and value (hashes, sets and sorted sets in a stable order). */
export type RedisSnapshot = Map<string, string>;

/**
 * Reads the whole keyspace of the gateway's private redis-server (the suite gives the gateway a server of
 * its own, so every key there is the gateway's): key -> `type:value`. TTLs are left out (they tick down by
 * themselves); a key that expired between the two snapshots shows as removed.
 */
export async function snapshotRedis(redis: Redis): Promise<RedisSnapshot> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const snapshot: RedisSnapshot = new Map();
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'hash') value = Object.entries(await redis.hgetall(key)).sort();
    else if (type === 'set') value = (await redis.smembers(key)).sort();
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'none') continue;
    else value = `(${type})`;
    snapshot.set(key, `${type}:${JSON.stringify(value)}`);
  }
  return snapshot;
}

/** What changed between two snapshots, one line per key (empty: nothing). Keys matching `ignore` are left out. */
export function diffSnapshots(before: RedisSnapshot, after: RedisSnapshot, ignore: readonly RegExp[] = []): string[] {
  const changes: string[] = [];
  const ignored = (key: string) => ignore.some((pattern) => pattern.test(key));
  for (const [key, value] of before) {
    if (ignored(key)) continue;
    if (!after.has(key)) changes.push(`removed ${key}`);
    else if (after.get(key) !== value) changes.push(`changed ${key}`);
  }
  for (const key of after.keys()) if (!before.has(key) && !ignored(key)) changes.push(`added ${key}`);
  return changes;
}

/** Snapshots until two in a row are equal (background work of a setup step has settled), at most `maxMs`. */
export async function settledSnapshot(redis: Redis, maxMs = 5000): Promise<RedisSnapshot> {
  const deadline = Date.now() + maxMs;
  let previous = await snapshotRedis(redis);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const current = await snapshotRedis(redis);
    if (diffSnapshots(previous, current).length === 0 || Date.now() > deadline) return current;
    previous = current;
  }
}
