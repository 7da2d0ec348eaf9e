import { isGatewayError } from '../../../src/errors/gatewayError';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { freePort, startRedisServer, type RedisServerProcess } from './redisServerProcess';
import { waitFor } from '../../support/waitFor';

/** Runs every kind of call at once; returns each one's error code and how long it took. */
async function callEverything(store: Store): Promise<{ codes: string[]; allHaveCause: boolean; slowestMs: number }> {
  const calls: (() => Promise<unknown>)[] = [
    () => store.ping(),
    () => store.get('k'),
    () => store.mget(['k', 'l']),
    () => store.set('k', 'v', { ttlMs: 1000 }),
    () => store.compareAndSet('k', null, 'v'),
    () => store.incr('n', { ttlMs: 1000 }),
    () => store.zAdd('z', 1, 'm'),
    () => store.zRangeByScore('z', 0, 10),
  ];
  const outcomes = await Promise.all(
    calls.map(async (call) => {
      const started = Date.now();
      const error = await call().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      const cause = isGatewayError(error) ? (error as Error & { cause?: unknown }).cause : undefined;
      return { code: isGatewayError(error) ? error.code : String(error), hasCause: cause !== undefined, ms: Date.now() - started };
    }),
  );
  return { codes: outcomes.map((o) => o.code), allHaveCause: outcomes.every((o) => o.hasCause), slowestMs: Math.max(...outcomes.map((o) => o.ms)) };
}

async function waitUntilServing(store: Store, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await store.ping();
      return Date.now() - started;
    } catch {
      if (Date.now() - started > timeoutMs) throw new Error(`store did not recover within ${timeoutMs} ms`);
      // Calls fail at once while reconnecting: without a pause this loop would starve the reconnect.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('redis store when Redis goes away', () => {
  let server: RedisServerProcess | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    await server?.kill();
  });

  test('when Redis restarts, then a subscription made before hears messages published after, by itself', async () => {
    server = await startRedisServer();
    store = createRedisStore({ url: server.url, keyPrefix: 'outage:' });
    const publisher = createRedisStore({ url: server.url, keyPrefix: 'outage:' });
    try {
      const heard: string[] = [];
      await store.subscribe('invalidate', (message) => heard.push(message));
      await publisher.publish('invalidate', 'before');
      await waitFor(() => heard.length === 1, 'the message before the restart', 5000);
      const port = server.port;
      await server.kill();
      server = await startRedisServer({ port });
      // Messages published while the subscriber is still reconnecting are lost (the contract says so): publish until one arrives.
      await waitFor(
        async () => {
          await publisher.publish('invalidate', 'after').catch(() => undefined);
          return heard.includes('after');
        },
        'a message after the restart',
        15_000,
      );
      expect(heard[0]).toBe('before');
    } finally {
      await publisher.close();
    }
  }, 30_000);

  test('when Redis dies, then calls reject with STORE_UNAVAILABLE within the deadline, and recover when it returns', async () => {
    server = await startRedisServer();
    const logged: string[] = [];
    const logger = { warn: (_: unknown, message: string) => logged.push(`warn ${message}`), info: (message: string) => logged.push(`info ${message}`) };
    store = createRedisStore({ url: server.url, keyPrefix: 'outage:', logger: logger as never });
    await store.set('before', 'v');

    await server.kill();
    const down = await callEverything(store);
    expect(down.codes).toEqual(Array(8).fill('STORE_UNAVAILABLE'));
    expect(down.allHaveCause).toBe(true);
    expect(down.slowestMs).toBeLessThan(2500);
    // Still down a while later (ioredis is now reconnecting): still bounded.
    const later = await callEverything(store);
    expect(later.codes).toEqual(Array(8).fill('STORE_UNAVAILABLE'));
    expect(later.slowestMs).toBeLessThan(2500);

    server = await startRedisServer({ port: server.port });
    const recoveryMs = await waitUntilServing(store, 10_000);
    expect(recoveryMs).toBeLessThan(10_000);
    expect(await store.set('after', 'v')).toBe(true);
    expect(await store.get('after')).toBe('v');
    expect(await store.incr('n')).toBe(1);
    // One line each way, not one per failed reconnect attempt.
    expect(logged).toEqual(['warn Redis is unreachable; retrying', 'info Redis is reachable again']);
  }, 40_000);

  test('when Redis hangs without closing connections, then calls reject within the deadline, and recover when it answers again', async () => {
    server = await startRedisServer();
    store = createRedisStore({ url: server.url, keyPrefix: 'frozen:' });
    await store.set('before', 'v');
    server.freeze();
    try {
      const hung = await callEverything(store);
      expect(hung.codes).toEqual(Array(8).fill('STORE_UNAVAILABLE'));
      expect(hung.allHaveCause).toBe(true);
      expect(hung.slowestMs).toBeLessThan(2500);
    } finally {
      server.thaw();
    }
    await waitUntilServing(store, 10_000);
    expect(await store.get('before')).toBe('v');
  }, 40_000);

  test('when no Redis answers from the start, then calls reject within the deadline and the store still closes', async () => {
    const port = await freePort();
    store = createRedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 500 });
    const started = Date.now();
    const error = await store.get('k').then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(isGatewayError(error) && error.code).toBe('STORE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1500);
    await store.close();
    store = undefined;
  });
});
