import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store, Unsubscribe } from './store';

/**
 * "Drop what you cached about this": sent when an installation leaves INSTALLED (uninstall, disconnect,
 * reauthorization required) or its sessions are revoked, and when a partner's keys, sessions or
 * enabled state change. Listeners forget and read the store again on next use.
 */
export type Invalidation = { kind: 'installation'; partnerId: string; accountId: string } | { kind: 'partner'; partnerId: string };

export type InvalidationListener = (invalidation: Invalidation) => void;

export interface InvalidationChannel {
  /**
   * Tells this process's listeners at once (synchronously), then every other process through the store.
   * Never rejects: the change itself is already in the store, and a lost message is covered by each
   * cache's re-check period (CACHE_RECHECK_MS).
   */
  publish(invalidation: Invalidation): Promise<void>;
  /** Adds a listener (cheap and idempotent: a message may come twice); returns its removal. */
  listen(listener: InvalidationListener): () => void;
  /** Subscribes; when the store cannot confirm, logs and keeps trying in the background. Never rejects. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface InvalidationChannelOptions {
  store: Pick<Store, 'publish' | 'subscribe'>;
  logger: Pick<Logger, 'warn' | 'info' | 'error'>;
  /** Milliseconds between subscription attempts while the store cannot confirm one. Default 1000. */
  retryMs?: number;
}

export const INVALIDATION_CHANNEL = 'jg:invalidate';

/** The wire form: short keys, and the sender's origin so a process skips its own echo. */
export function serializeInvalidation(invalidation: Invalidation, origin: string): string {
  return JSON.stringify(
    invalidation.kind === 'installation'
      ? { o: origin, k: 'i', p: invalidation.partnerId, a: invalidation.accountId }
      : { o: origin, k: 'p', p: invalidation.partnerId },
  );
}

/** The invalidation a message carries, or null when it is this process's own echo or not one of ours. */
export function parseInvalidation(message: string, ownOrigin: string): Invalidation | null {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { o, k, p, a } = value as Record<string, unknown>;
  if (typeof o !== 'string' || o === ownOrigin || typeof p !== 'string' || p === '') return null;
  if (k === 'p') return { kind: 'partner', partnerId: p };
  if (k === 'i' && typeof a === 'string' && a !== '') return { kind: 'installation', partnerId: p, accountId: a };
  return null;
}

/** The one invalidation channel of a gateway process, over the store's pub/sub. */
export function createInvalidationChannel(options: InvalidationChannelOptions): InvalidationChannel {
  const { store, logger } = options;
  const retryMs = options.retryMs ?? 1000;
  const origin = randomBytes(9).toString('base64url');
  const listeners = new Set<InvalidationListener>();
  let unsubscribe: Unsubscribe | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  /** Whether subscribing has failed since the last success (log the failure once, and the recovery). */
  let failing = false;

  function tell(invalidation: Invalidation): void {
    for (const listener of [...listeners]) {
      try {
        listener(invalidation);
      } catch (error) {
        logger.error({ err: error, invalidation: invalidation.kind }, 'an invalidation listener failed');
      }
    }
  }

  function onMessage(message: string): void {
    const invalidation = parseInvalidation(message, origin);
    if (invalidation) tell(invalidation);
  }

  async function subscribe(): Promise<void> {
    retryTimer = undefined;
    if (closed || unsubscribe) return;
    try {
      const ended = await store.subscribe(INVALIDATION_CHANNEL, onMessage);
      if (closed) return void (await ended());
      unsubscribe = ended;
      if (failing) logger.info('invalidation channel subscribed again');
      failing = false;
    } catch (error) {
      if (!failing) {
        failing = true;
        logger.warn({ err: error }, 'invalidation channel: cannot subscribe yet; caches fall back to their re-check period; retrying');
      }
      if (!closed) {
        retryTimer = setTimeout(() => void subscribe(), retryMs);
        retryTimer.unref();
      }
    }
  }

  return {
    async publish(invalidation) {
      tell(invalidation);
      try {
        await store.publish(INVALIDATION_CHANNEL, serializeInvalidation(invalidation, origin));
      } catch (error) {
        logger.warn({ err: error, invalidation: invalidation.kind }, 'could not publish an invalidation; other processes see it within their re-check period');
      }
    },
    listen(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    start: subscribe,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const ended = unsubscribe;
      unsubscribe = undefined;
      await ended?.();
    },
  };
}
