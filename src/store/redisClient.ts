import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gatewayError';

export interface RedisClientOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`); used when `clusterNodes` is absent. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** `host:port` of some Cluster nodes; when present a Cluster client is made and `url` is ignored. */
  clusterNodes?: string[];
  /**
   * Put in front of every key (e.g. `jg:` or a test's unique prefix). It must not contain `{`: the
   * Cluster hash tag of a key is its first `{...}`, which has to be the caller's.
   */
  keyPrefix?: string;
  /** Milliseconds one command may take before it fails; default 2000. */
  commandTimeoutMs?: number;
  /** Milliseconds one TCP connect may take; default the command timeout. */
  connectTimeoutMs?: number;
  /** Told (at warn) when Redis becomes unreachable and (at info) when it is back; default silent. */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

export type RedisClient = Redis | Cluster;

/** Reconnect after 50 ms, 100 ms, ... at most every 1 s, for ever: traffic recovers by itself when Redis returns. */
function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 50, 1000);
}

export function parseClusterNode(node: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(node.trim());
  if (!match?.[1] || !match[2]) throw new GatewayError('INTERNAL_SERVER_ERROR', `A Redis Cluster node must be host:port, got ${JSON.stringify(node)}`);
  return { host: match[1], port: Number(match[2]) };
}

/**
 * An ioredis client (standalone or Cluster) with bounded behaviour: commands time out, a command
 * cut off by a dropped connection is not resent, standalone commands are never queued while
 * disconnected (so a write the caller saw fail is not replayed later; Cluster node connections do
 * queue, see below), and 'error' events are handled so a Redis outage never crashes the process.
 * It connects at once and reconnects by itself, for ever.
 */
export function createRedisClient(options: RedisClientOptions): RedisClient {
  const commandTimeout = options.commandTimeoutMs ?? 2000;
  const keyPrefix = options.keyPrefix ?? '';
  if (keyPrefix.includes('{')) {
    throw new GatewayError('INTERNAL_SERVER_ERROR', 'The Redis key prefix must not contain "{" (it would become every key\'s hash tag)');
  }
  const connection = {
    commandTimeout,
    connectTimeout: options.connectTimeoutMs ?? commandTimeout,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    // How long disconnect() waits for a socket to close before destroying it. ioredis's 2 s timer
    // outlives an already-dead socket and keeps the process alive after close().
    disconnectTimeout: 200,
  };
  // Cluster node connections keep ioredis's offline queue (they connect lazily, on first use); the
  // cluster-level queue is off, and the store's own deadline bounds every call either way.
  const client: RedisClient = options.clusterNodes?.length
    ? new Cluster(options.clusterNodes.map(parseClusterNode), {
        keyPrefix,
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectDelayMs,
        slotsRefreshTimeout: commandTimeout,
        redisOptions: connection,
      })
    : new Redis(options.url ?? 'redis://127.0.0.1:6379', {
        ...connection,
        keyPrefix,
        enableOfflineQueue: false,
        retryStrategy: reconnectDelayMs,
      });
  watchConnection(client, options.logger);
  return client;
}

/**
 * Logs transitions only, not every failed reconnect attempt. A lost connection may come back
 * before any 'error' (Redis restarted fast), so 'reconnecting' counts as down too; our own close()
 * does not reconnect, so it logs nothing. Never logs the URL (it may hold a password).
 */
function watchConnection(client: RedisClient, logger: RedisClientOptions['logger']): void {
  let down = false;
  const markDown = (reason: { name: string; message: string }): void => {
    if (down) return;
    down = true;
    logger?.warn({ err: reason }, 'Redis is unreachable; retrying');
  };
  client.on('error', (error: Error) => markDown({ name: error.name, message: error.message }));
  client.on('reconnecting', () => markDown({ name: 'ConnectionLost', message: 'connection lost' }));
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger?.info('Redis is reachable again');
  });
}
