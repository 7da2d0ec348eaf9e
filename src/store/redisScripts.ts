import type { Cluster, Redis } from 'ioredis';

/**
 * The Lua scripts behind the store's atomic read-then-write operations. Each touches exactly one
 * key (KEYS[1]), so it is slot-safe on Cluster. Redis runs a script without interleaving any other
 * command, which is what makes "compare, then write" atomic.
 */
const SCRIPTS = {
  /** ARGV: expectAbsent ('1'|'0'), expected, value, ttlMs ('' = none). SET clears any old TTL, like `set`. */
  jgCompareAndSet: `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1`,
  /** ARGV: expected. */
  jgCompareAndDelete: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  /** ARGV: expected, ttlMs. */
  jgCompareAndExpire: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`,
  /** ARGV: ttlMs ('' = none), applied only when this INCR created the key. */
  jgIncrWithTtl: `
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCR', KEYS[1])
if existed == 0 and ARGV[1] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return value`,
} as const;

type ScriptName = keyof typeof SCRIPTS;

/** A client with the store's scripts defined on it. */
export type ScriptedClient = (Redis | Cluster) & {
  [Name in ScriptName]: (key: string, ...args: string[]) => Promise<number>;
};

/** Defines the scripts (EVALSHA, with EVAL when Redis has not cached them yet) on a client. */
export function defineStoreScripts(client: Redis | Cluster): ScriptedClient {
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 1, lua });
  return client as ScriptedClient;
}
