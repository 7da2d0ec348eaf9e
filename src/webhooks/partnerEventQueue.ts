import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Deps } from '../core/deps';
import { buildPartnerKey } from '../core/installationRef';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { PartnerEventSink } from '../core/partnerEvents';
import { buildPartnerEventPayload, computeRetryDelayMs, type PartnerEventPayload } from './partnerEventPayload';
import { createPartnerEventPoster, type DeliveryFailure, type WebhookTarget } from './partnerEventPoster';
import type { HostLookup } from './webhookDispatcher';

export type { WebhookTarget } from './partnerEventPoster';

export interface PartnerEventQueueOptions {
  deps: Deps;
  /** The partner's `webhookUrl` and signing secret; null = nowhere to deliver (the event is dropped, logged). */
  getWebhookTarget(partnerId: string): Promise<WebhookTarget | null>;
  /** Attempts before an event is recorded as dead. Default 8. */
  maxAttempts?: number;
  /** First retry delay, ms; doubles per failure (with jitter). Default 1000. */
  baseDelayMs?: number;
  /** Retry delay cap, ms. Default 1 hour. */
  maxDelayMs?: number;
  /** How often `start()` looks for due events, ms. Default 1000. */
  pollIntervalMs?: number;
  /** Timeout of one delivery POST, ms. Default 10000. */
  timeoutMs?: number;
  /**
   * How long one process owns an event it is delivering, ms; after a crash the event is due again
   * this long after it was taken. Must exceed `timeoutMs`. Default `timeoutMs` + 30000.
   */
  leaseMs?: number;
  /** Due events handled per `runOnce`, and how many are delivered at once. Defaults 100 and 8. */
  batchSize?: number;
  concurrency?: number;
  /** Source of jitter, [0, 1). Default Math.random. */
  random?: () => number;
  /** Told how each delivery attempt ended (metrics): dropped = the partner has no webhookUrl. */
  onDelivery?(outcome: 'delivered' | 'retry' | 'dead' | 'dropped'): void;
  /**
   * Deliver to loopback, private (RFC 1918, fc00::/7), link-local, metadata, CGNAT and other non-public
   * addresses too (WEBHOOK_ALLOW_PRIVATE_TARGETS; the demo). Default false: such a delivery is refused
   * after DNS resolution and the event is recorded dead at once with the reason.
   */
  allowPrivateTargets?: boolean;
  /** How webhook host names are resolved. Default `dns.lookup`. */
  lookup?: HostLookup;
}

/** One queued event as stored at `jg:webhooks:event:<id>`. */
export interface QueuedPartnerEvent {
  partnerId: string;
  payload: PartnerEventPayload;
  attempts: number;
  lastError?: string;
  deadAt?: string;
}

export interface PartnerEventQueue extends PartnerEventSink {
  start(): void;
  /** Stops polling and waits for deliveries in progress to be settled in the store. */
  stop(): Promise<void>;
  /** Handles the events due now once; resolves with how many were delivered. */
  runOnce(): Promise<number>;
  /** Events given up on for a partner, newest first. */
  listDead(partnerId: string, limit?: number): Promise<QueuedPartnerEvent[]>;
  /** Events waiting for delivery (all partners). */
  countPending(): Promise<number>;
}

const DUE_KEY = 'jg:webhooks:due';
const eventKey = (id: string): string => `jg:webhooks:event:${id}`;
const leaseKey = (id: string): string => `jg:webhooks:lease:${id}`;
const deadKey = (partnerId: string): string => buildPartnerKey(partnerId, 'webhook-dead');
const LIVE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const DEAD_TTL_MS = 30 * 24 * 60 * 60 * 1000;

type Outcome = 'delivered' | 'failed' | 'skipped';

/**
 * The durable outbox of partner webhooks (DESIGN.md "Webhooks"). `emit` stores the event and adds it
 * to a due-time sorted set, so nothing lives only in process memory and a restart loses nothing.
 * Any number of processes may run the queue: an event is handled by the one process that takes its
 * lease (set-if-absent with a TTL). The event stays in the due set until it is settled; while leased,
 * its due time is pushed past the lease, so a process that dies mid-delivery only delays it.
 * Delivery is at least once: partners deduplicate on `id`.
 */
export function createPartnerEventQueue(options: PartnerEventQueueOptions): PartnerEventQueue {
  const { store, clock, logger } = options.deps;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 60 * 60 * 1000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? timeoutMs + 30_000;
  if (leaseMs <= timeoutMs) {
    // A lease shorter than a delivery would let a second process deliver the same event concurrently.
    throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'partner event queue: leaseMs must exceed timeoutMs');
  }
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 8;
  const random = options.random ?? Math.random;
  const onDelivery = options.onDelivery ?? (() => undefined);

  const { post, close: closePoster } = createPartnerEventPoster({
    fetch: options.deps.fetch,
    clock,
    timeoutMs,
    allowPrivateTargets: options.allowPrivateTargets ?? false,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });

  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();

  /** undefined = delivered; else why not, and whether trying again could ever help. */
  async function settle(id: string, record: QueuedPartnerEvent, failure: DeliveryFailure | undefined): Promise<Outcome> {
    const log = { eventId: id, partnerId: record.partnerId, type: record.payload.type };
    if (failure === undefined) {
      await store.zRem(DUE_KEY, id);
      await store.del(eventKey(id));
      return 'delivered';
    }
    const { error } = failure;
    const attempts = record.attempts + 1;
    const now = clock.now();
    // A refused target is refused again on every try: recorded dead now rather than retried.
    if (attempts >= maxAttempts || failure.permanent) {
      const dead: QueuedPartnerEvent = { ...record, attempts, lastError: error, deadAt: new Date(now).toISOString() };
      await store.set(eventKey(id), JSON.stringify(dead), { ttlMs: DEAD_TTL_MS });
      await store.zAdd(deadKey(record.partnerId), now, id);
      await store.zRem(DUE_KEY, id);
      logger.warn({ ...log, attempts, lastError: error }, 'partner webhook given up');
      onDelivery('dead');
      return 'failed';
    }
    const delayMs = computeRetryDelayMs(attempts, baseDelayMs, maxDelayMs, random());
    await store.set(eventKey(id), JSON.stringify({ ...record, attempts, lastError: error }), { ttlMs: LIVE_TTL_MS });
    await store.zAdd(DUE_KEY, now + delayMs, id);
    logger.info({ ...log, attempts, lastError: error, delayMs }, 'partner webhook failed; will retry');
    onDelivery('retry');
    return 'failed';
  }

  async function handle(id: string): Promise<Outcome> {
    const owner = randomUUID();
    if (!(await store.set(leaseKey(id), owner, { onlyIfAbsent: true, ttlMs: leaseMs }))) return 'skipped';
    try {
      // Re-check under the lease: another process may have settled or rescheduled it since our scan.
      const dueAt = await store.zScore(DUE_KEY, id);
      if (dueAt === null || dueAt > clock.now()) return 'skipped';
      const raw = await store.get(eventKey(id));
      if (raw === null) {
        await store.zRem(DUE_KEY, id);
        return 'skipped';
      }
      const record = JSON.parse(raw) as QueuedPartnerEvent;
      await store.zAdd(DUE_KEY, clock.now() + leaseMs, id);
      const target = await options.getWebhookTarget(record.partnerId);
      if (target === null) {
        logger.info({ eventId: id, partnerId: record.partnerId }, 'partner has no webhook target; event dropped');
        await settle(id, record, undefined);
        onDelivery('dropped');
        return 'skipped';
      }
      const error = await post(target, record.payload);
      const outcome = await settle(id, record, error);
      if (error === undefined) onDelivery('delivered');
      return outcome;
    } finally {
      await store.compareAndDelete(leaseKey(id), owner).catch(() => undefined);
    }
  }

  async function runOnce(): Promise<number> {
    const due = await store.zRangeByScore(DUE_KEY, 0, clock.now(), batchSize);
    let delivered = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length) {
        const item = due[next++];
        if (!item) continue;
        try {
          if ((await handle(item.member)) === 'delivered') delivered++;
        } catch (error) {
          logger.error({ err: error, eventId: item.member }, 'partner webhook handling failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
    return delivered;
  }

  function schedule(delayMs: number): void {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
    timer.unref();
  }

  // Bound to where the queue was built (no request): a timer started by emit() inside a request would
  // otherwise run every later poll, for every partner, in that request's scope (its requestId on their logs).
  const tick = AsyncResource.bind(function tick(): void {
    timer = undefined;
    const run = runOnce().catch((error: unknown) => logger.error({ err: error }, 'partner webhook queue poll failed'));
    current = run;
    void run.then(() => {
      if (current === run) schedule(pollIntervalMs);
    });
  });

  return {
    async emit(event) {
      const id = randomUUID();
      const record: QueuedPartnerEvent = {
        partnerId: event.ref.partnerId,
        payload: buildPartnerEventPayload(event, id, clock.now()),
        attempts: 0,
      };
      await store.set(eventKey(id), JSON.stringify(record), { ttlMs: LIVE_TTL_MS });
      await store.zAdd(DUE_KEY, clock.now(), id);
      // Deliver soon rather than at the next poll, when this process runs the queue and is idle.
      if (running && timer !== undefined) schedule(0);
    },
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      timer = undefined;
      await current;
      await closePoster();
    },
    runOnce,
    async listDead(partnerId, limit = 100) {
      const members = await store.zRangeByScore(deadKey(partnerId), 0, Number.MAX_SAFE_INTEGER);
      const newest = members.slice(-limit).reverse();
      if (newest.length === 0) return [];
      const raws = await store.mget(newest.map((m) => eventKey(m.member)));
      return raws.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as QueuedPartnerEvent]));
    },
    countPending() {
      return store.zCard(DUE_KEY);
    },
  };
}
