import type { Store, Unsubscribe } from './store';

export type PubSub = Pick<Store, 'publish' | 'subscribe'>;

/** Calls each handler, in order; one that throws does not keep the message from the others. */
export function deliverToHandlers(handlers: Iterable<(message: string) => void>, message: string): void {
  for (const handler of [...handlers]) {
    try {
      handler(message);
    } catch {
      // A subscriber's own bug; the other subscribers still hear the message.
    }
  }
}

/**
 * Pub/sub inside one process (the embedded store is one process only, so that is every subscriber).
 * Messages are delivered on a later turn of the event loop (setImmediate keeps publish order, more than the contract promises), never
 * inside `publish`, like Redis does.
 */
export function createLocalPubSub(isClosed: () => boolean, closedError: () => Error): PubSub {
  const channels = new Map<string, Set<(message: string) => void>>();
  return {
    async publish(channel, message) {
      if (isClosed()) throw closedError();
      const handlers = channels.get(channel);
      if (!handlers) return;
      setImmediate(() => deliverToHandlers(handlers, message));
    },
    async subscribe(channel, handler): Promise<Unsubscribe> {
      if (isClosed()) throw closedError();
      // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
      const subscription = (message: string): void => handler(message);
      let handlers = channels.get(channel);
      if (!handlers) channels.set(channel, (handlers = new Set()));
      handlers.add(subscription);
      return async () => {
        handlers.delete(subscription);
        if (handlers.size === 0 && channels.get(channel) === handlers) channels.delete(channel);
      };
    },
  };
}
