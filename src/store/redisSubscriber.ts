import { Cluster } from 'ioredis';
import { GatewayError } from '../errors/gatewayError';
import { deliverToHandlers } from './localPubSub';
import type { RedisClient } from './redisClient';
import type { Unsubscribe } from './store';

export interface RedisSubscriberOptions {
  /** Put in front of every channel name (the store's key prefix: ioredis does not prefix channels). */
  channelPrefix: string;
  /** Milliseconds a SUBSCRIBE may take to be confirmed. */
  timeoutMs: number;
}

export interface RedisSubscriber {
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
  close(): void;
}

interface ChannelEntry {
  handlers: Set<(message: string) => void>;
  confirmed: Promise<void>;
}

/**
 * The SUBSCRIBE side of the Redis store: one dedicated connection (a connection in subscriber mode
 * cannot run other commands), made by `duplicate()` on first use, shared by every subscription of the
 * store. ioredis subscribes again by itself after a reconnection (messages sent while it was away are
 * lost: the store's contract says so). On Cluster a plain PUBLISH reaches every node, so a SUBSCRIBE on
 * any one node hears it; ioredis picks the node and moves on failover.
 */
export function createRedisSubscriber(client: RedisClient, options: RedisSubscriberOptions): RedisSubscriber {
  const channels = new Map<string, ChannelEntry>();
  let connection: RedisClient | undefined;
  let closed = false;

  function subscriber(): RedisClient {
    if (connection) return connection;
    // The offline queue holds SUBSCRIBE until the connection is up; the deadline below still bounds the wait.
    const made = client instanceof Cluster ? client.duplicate([], { enableOfflineQueue: true }) : client.duplicate({ enableOfflineQueue: true });
    // Outages are logged by the command connection; this one only reconnects and resubscribes.
    made.on('error', () => undefined);
    made.on('message', (channel: string, message: string) => {
      const entry = channels.get(channel);
      if (entry) deliverToHandlers(entry.handlers, message);
    });
    connection = made;
    return made;
  }

  function withDeadline(pending: Promise<unknown>, what: string): Promise<void> {
    pending.catch(() => undefined); // it may settle after the deadline
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${options.timeoutMs} ms`)), options.timeoutMs);
    });
    return Promise.race([pending, timedOut])
      .then(() => undefined)
      .catch((error: unknown) => {
        throw new GatewayError('STORE_UNAVAILABLE', `Redis did not confirm ${what}`, { cause: error });
      })
      .finally(() => clearTimeout(timer));
  }

  function release(name: string, entry: ChannelEntry): Promise<void> {
    if (entry.handlers.size > 0 || channels.get(name) !== entry) return Promise.resolve();
    channels.delete(name);
    if (closed || !connection) return Promise.resolve();
    return withDeadline(connection.unsubscribe(name), 'unsubscribe').catch(() => undefined);
  }

  return {
    async subscribe(channel, handler) {
      if (closed) throw new GatewayError('STORE_UNAVAILABLE', 'The Redis store is closed');
      const name = options.channelPrefix + channel;
      // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
      const subscription = (message: string): void => handler(message);
      let entry = channels.get(name);
      if (!entry) {
        entry = { handlers: new Set(), confirmed: withDeadline(subscriber().subscribe(name), 'subscribe') };
        channels.set(name, entry);
      }
      entry.handlers.add(subscription);
      const joined = entry;
      try {
        await joined.confirmed;
      } catch (error) {
        joined.handlers.delete(subscription);
        await release(name, joined);
        throw error;
      }
      let ended = false;
      return async () => {
        if (ended) return;
        ended = true;
        joined.handlers.delete(subscription);
        await release(name, joined);
      };
    },

    close() {
      closed = true;
      channels.clear();
      connection?.disconnect();
    },
  };
}
