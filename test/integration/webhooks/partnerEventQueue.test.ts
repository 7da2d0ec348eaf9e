import { createHmac, randomBytes } from 'node:crypto';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { type Deps, systemClock } from '../../../src/core/deps';
import type { PartnerEvent } from '../../../src/core/partnerEvents';
import { createRequestLogger, createRequestScopes } from '../../../src/observability/requestScope';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { createPartnerEventQueue, type PartnerEventQueueOptions } from '../../../src/webhooks/partnerEventQueue';
import type { PartnerEventPayload } from '../../../src/webhooks/partnerEventPayload';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { type PartnerServer, startPartnerServer } from './support/startPartnerServer';
import { waitFor } from '../../support/waitFor';

const SECRET = 'whsec_partner-one';
const ref = { partnerId: 'p1', accountId: 'acct-1' };
const clientCreated: PartnerEvent = {
  kind: 'jobber',
  ref,
  jobberAccountId: 'J1',
  topic: 'CLIENT_CREATE',
  itemId: 'I1',
  occurredAt: '2021-08-12T16:31:36-06:00',
};

describe('partner event queue', () => {
  let keyPrefix: string;
  let partner: PartnerServer;
  const stores: Store[] = [];
  const queues: { stop(): Promise<void> }[] = [];

  function newDeps(): Deps {
    const store = createRedisStore({ url: testRedisUrl(), keyPrefix });
    stores.push(store);
    return { store, fetch, clock: systemClock, logger: pino({ level: 'silent' }) };
  }

  function newQueue(overrides: Partial<PartnerEventQueueOptions> = {}, deps = newDeps()) {
    const queue = createPartnerEventQueue({
      deps,
      getWebhookTarget: async (partnerId) => (partnerId === 'p1' ? { url: partner.url, signingSecret: SECRET } : null),
      // The partner's test receiver listens on 127.0.0.1.
      allowPrivateTargets: true,
      baseDelayMs: 20,
      pollIntervalMs: 10,
      timeoutMs: 2000,
      ...overrides,
    });
    queues.push(queue);
    return queue;
  }

  function payloads(): PartnerEventPayload[] {
    return partner.deliveries.map((d) => JSON.parse(d.body) as PartnerEventPayload);
  }

  beforeEach(async () => {
    keyPrefix = uniqueKeyPrefix('pq');
    partner = await startPartnerServer();
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await partner.close();
  });

  test('when an event is emitted, then the partner receives it signed with its secret', async () => {
    const queue = newQueue();
    await queue.emit(clientCreated);
    queue.start();
    await waitFor(() => partner.deliveries.length === 1, 'one delivery');

    const [delivery] = partner.deliveries;
    const expected = `sha256=${createHmac('sha256', SECRET).update(delivery!.body).digest('hex')}`;
    expect(delivery!.headers['x-gateway-signature']).toBe(expected);
    expect(delivery!.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(delivery!.body) as PartnerEventPayload;
    expect(payload).toEqual({
      id: expect.any(String),
      type: 'jobber.webhook',
      accountId: 'acct-1',
      jobberAccountId: 'J1',
      topic: 'CLIENT_CREATE',
      itemId: 'I1',
      occurredAt: '2021-08-12T16:31:36-06:00',
      createdAt: expect.any(String),
    });
    expect(delivery!.headers['x-gateway-event-id']).toBe(payload.id);
    await waitFor(async () => (await queue.countPending()) === 0, 'queue drained');
  });

  test('when the partner answers 500, then the same event is retried with backoff and then delivered', async () => {
    partner.statuses = [500, 503];
    const queue = newQueue();
    await queue.emit({ kind: 'gateway', type: 'installation.disconnected', ref, reason: 'APP_DISCONNECT' });
    queue.start();
    await waitFor(() => partner.deliveries.length === 3, 'three attempts');
    await waitFor(async () => (await queue.countPending()) === 0, 'queue drained');

    const ids = new Set(payloads().map((p) => p.id));
    expect(ids.size).toBe(1);
    expect(payloads()[0]).toMatchObject({ type: 'installation.disconnected', reason: 'APP_DISCONNECT', topic: null });
    expect(await queue.listDead('p1')).toEqual([]);
  });

  test('when the partner keeps failing, then the event is given up after maxAttempts and recorded as dead', async () => {
    partner.statuses = Array.from({ length: 10 }, () => 500);
    const queue = newQueue({ maxAttempts: 3, baseDelayMs: 5 });
    await queue.emit(clientCreated);
    queue.start();
    await waitFor(async () => (await queue.listDead('p1')).length === 1, 'a dead event');

    expect(partner.deliveries).toHaveLength(3);
    expect(await queue.countPending()).toBe(0);
    const [dead] = await queue.listDead('p1');
    expect(dead).toMatchObject({ partnerId: 'p1', attempts: 3, lastError: 'HTTP 500', payload: { topic: 'CLIENT_CREATE' } });
  });

  test('when queue A stops after a failed attempt and queue B starts on the same Redis, then B completes the delivery', async () => {
    partner.statuses = [500];
    const queueA = newQueue({ baseDelayMs: 300 });
    await queueA.emit(clientCreated);
    queueA.start();
    await waitFor(() => partner.deliveries.length === 1, 'the failed first attempt');
    await queueA.stop();
    expect(await queueA.countPending()).toBe(1);

    const queueB = newQueue();
    queueB.start();
    await waitFor(() => partner.deliveries.length === 2, 'the retry from queue B');
    await waitFor(async () => (await queueB.countPending()) === 0, 'queue drained');
    expect(new Set(payloads().map((p) => p.id)).size).toBe(1);
  });

  test('when a process dies in the middle of a delivery, then another process delivers the event once its lease ends', async () => {
    // Process A's delivery never comes back (a frozen or killed process): it never settles the event.
    let releaseFrozen: (response: Response) => void = () => undefined;
    const frozen = new Promise<Response>((resolve) => {
      releaseFrozen = resolve;
    });
    const frozenDeps = { ...newDeps(), fetch: (() => frozen) as typeof fetch };
    const queueA = newQueue({ timeoutMs: 100, leaseMs: 400 }, frozenDeps);
    await queueA.emit(clientCreated);
    const runA = queueA.runOnce();

    const queueB = newQueue();
    queueB.start();
    await waitFor(() => partner.deliveries.length === 1, 'the delivery by queue B');
    await waitFor(async () => (await queueB.countPending()) === 0, 'queue drained');

    // A's late answer must not resurrect or duplicate the settled event.
    releaseFrozen(new Response('ok', { status: 200 }));
    await runA;
    expect(await queueB.countPending()).toBe(0);
    expect(partner.deliveries).toHaveLength(1);
  });

  test('when events are emitted while no process runs the queue, then a later process delivers all of them', async () => {
    const queueA = newQueue();
    for (let i = 0; i < 5; i++) await queueA.emit({ ...clientCreated, itemId: `I${i}` });
    await queueA.stop();

    const queueB = newQueue();
    queueB.start();
    await waitFor(() => partner.deliveries.length === 5, 'five deliveries');
    expect(payloads().map((p) => p.itemId).sort()).toEqual(['I0', 'I1', 'I2', 'I3', 'I4']);
  });

  test('when two processes run the queue on the same Redis, then every event is delivered exactly once', async () => {
    const queueA = newQueue();
    const queueB = newQueue();
    for (let i = 0; i < 30; i++) await queueA.emit({ ...clientCreated, itemId: `I${i}` });
    queueA.start();
    queueB.start();
    await waitFor(async () => (await queueA.countPending()) === 0, 'queue drained');

    expect(partner.deliveries).toHaveLength(30);
    expect(new Set(payloads().map((p) => p.id)).size).toBe(30);
  });

  test('when a partner has no webhook target, then its event is dropped without a delivery', async () => {
    const queue = newQueue();
    await queue.emit({ ...clientCreated, ref: { partnerId: 'p2', accountId: 'a' } });
    await queue.emit(clientCreated);
    expect(await queue.runOnce()).toBe(1);

    expect(await queue.countPending()).toBe(0);
    expect(payloads().map((p) => p.accountId)).toEqual(['acct-1']);
  });

  describe('Standard Webhooks signatures', () => {
    const standardSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const verify = (delivery: { headers: Record<string, unknown>; body: string }, secret = standardSecret): unknown =>
      new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>);

    test('when an event is delivered, then webhook-id, webhook-timestamp and webhook-signature verify with the standardwebhooks library', async () => {
      const queue = newQueue({ getWebhookTarget: async () => ({ url: partner.url, signingSecret: standardSecret }) });
      await queue.emit(clientCreated);
      expect(await queue.runOnce()).toBe(1);
      const [delivery] = partner.deliveries;
      const payload = JSON.parse(delivery!.body) as PartnerEventPayload;
      expect(delivery!.headers['webhook-id']).toBe(payload.id);
      expect(Math.abs(Number(delivery!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
      expect(delivery!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(verify(delivery!)).toEqual(payload);
      // The old header stays for receivers written against it.
      expect(delivery!.headers['x-gateway-signature']).toBe(`sha256=${createHmac('sha256', standardSecret).update(delivery!.body).digest('hex')}`);
    });

    test('when a captured delivery is replayed with a fresh timestamp, or with another secret, then verification fails', async () => {
      const queue = newQueue({ getWebhookTarget: async () => ({ url: partner.url, signingSecret: standardSecret }) });
      await queue.emit(clientCreated);
      await queue.runOnce();
      const [delivery] = partner.deliveries;
      const timestamp = Number(delivery!.headers['webhook-timestamp']);
      expect(() => verify({ ...delivery!, headers: { ...delivery!.headers, 'webhook-timestamp': String(timestamp + 60) } })).toThrow(/signature/i);
      expect(() => verify({ ...delivery!, headers: { ...delivery!.headers, 'webhook-id': 'another-id' } })).toThrow(/signature/i);
      expect(() => verify(delivery!, `whsec_${randomBytes(32).toString('base64')}`)).toThrow(/signature/i);
    });

    test('when a delivery is retried, then every attempt carries the same webhook-id and a signature valid at its own time', async () => {
      partner.statuses = [500];
      const queue = newQueue({ getWebhookTarget: async () => ({ url: partner.url, signingSecret: standardSecret }) });
      await queue.emit(clientCreated);
      queue.start();
      await waitFor(() => partner.deliveries.length === 2, 'the retry');
      const [first, second] = partner.deliveries;
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      expect(verify(first!)).toEqual(verify(second!));
    });
  });

  test('when an event is emitted while a request is served, then the queue\'s later polls and deliveries do not log under that request', async () => {
    const scopes = createRequestScopes();
    const lines: Record<string, unknown>[] = [];
    const logger = createRequestLogger(pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }), scopes);
    // Partner p2 has no webhook target: every delivery attempt of its event logs a line.
    const queue = newQueue({ getWebhookTarget: async () => null }, { ...newDeps(), logger });
    queue.start();
    await new Promise<void>((resolve) => {
      // The request's async context, as the request listener enters it.
      setImmediate(() => {
        scopes.enter({ id: 'request-a', startedAt: 0, fastPath: undefined, partnerId: 'p1', span: undefined });
        void queue.emit({ ...clientCreated, ref: { partnerId: 'p2', accountId: 'acct-9' } }).then(resolve);
      });
    });
    const dropped = await waitFor(() => lines.find((line) => line.msg === 'partner has no webhook target; event dropped'), 'the dropped event\'s log line');
    expect(dropped).not.toHaveProperty('requestId');
  });
});
