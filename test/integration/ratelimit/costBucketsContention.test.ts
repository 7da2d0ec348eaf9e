import pino from 'pino';
import { systemClock } from '../../../src/core/deps';
import { createCostBuckets } from '../../../src/ratelimit/costBuckets';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';

/** A real Redis store that counts compare-and-set calls and how many of them lost. */
function countingStore(inner: Store): Store & { casCalls: number; casLost: number } {
  const counted = Object.create(inner) as Store & { casCalls: number; casLost: number };
  counted.casCalls = 0;
  counted.casLost = 0;
  counted.compareAndSet = async (...args: Parameters<Store['compareAndSet']>) => {
    counted.casCalls++;
    const won = await inner.compareAndSet(...args);
    if (!won) counted.casLost++;
    return won;
  };
  return counted;
}

describe('cost bucket updates within one process (real Redis)', () => {
  const inner = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('buckets') });
  afterAll(() => inner.close());

  test('when 50 requests of one account reserve at once, then each debits once, in few group-committed writes, none lost', async () => {
    const store = countingStore(inner);
    const buckets = createCostBuckets({ deps: { store, clock: systemClock, logger: pino({ level: 'silent' }) } });
    const ref = { partnerId: 'p', accountId: 'busy' };
    await buckets.observe(ref, {
      requestedQueryCost: 0,
      actualQueryCost: 0,
      throttleStatus: { maximumAvailable: 10_000, currentlyAvailable: 10_000, restoreRate: 0 },
      refused: false,
    });
    store.casCalls = 0;
    const results = await Promise.all(Array.from({ length: 50 }, () => buckets.reserve(ref, 100, 1000)));
    expect(results.every((r) => r.kind === 'go')).toBe(true);
    expect(store.casLost).toBe(0);
    // The first write goes alone; the 49 that queued behind it share the next one.
    expect(store.casCalls).toBe(2);
    expect((await buckets.read(ref))?.currentlyAvailable).toBe(10_000 - 50 * 100);
  });

  test('when a batch holds more than the bucket, then the reservations decide in arrival order against what is left', async () => {
    const store = countingStore(inner);
    const buckets = createCostBuckets({ deps: { store, clock: systemClock, logger: pino({ level: 'silent' }) } });
    const ref = { partnerId: 'p', accountId: 'small' };
    await buckets.observe(ref, { throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 1000, restoreRate: 1 } });
    // 1000 points, restoring 1/s: the 5th and later 250-point reservations would wait minutes, beyond the 1 s bound.
    const results = await Promise.all(Array.from({ length: 8 }, () => buckets.reserve(ref, 250, 1000)));
    expect(results.map((r) => r.kind)).toEqual(['go', 'go', 'go', 'go', 'refuse', 'refuse', 'refuse', 'refuse']);
    expect((await buckets.read(ref))?.currentlyAvailable).toBeLessThan(10);
  });

  test('when an answer is folded in lazily and a reservation follows, then both share one compare-and-set, in order', async () => {
    const store = countingStore(inner);
    const buckets = createCostBuckets({ deps: { store, clock: systemClock, logger: pino({ level: 'silent' }) }, lazyWriteMs: 5000 });
    const ref = { partnerId: 'p', accountId: 'lazy' };
    await buckets.observe(ref, { throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 1000, restoreRate: 0 } });
    store.casCalls = 0;
    const folded = buckets.observe(ref, { throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 600, restoreRate: 0 } }, { lazy: true });
    expect(store.casCalls).toBe(0);
    // The reservation sees the folded-in level (600), not the 1000 before it.
    expect(await buckets.reserve(ref, 100, 1000)).toEqual({ kind: 'go' });
    await folded;
    expect(store.casCalls).toBe(1);
    expect((await buckets.read(ref))?.currentlyAvailable).toBe(500);
  });

  test('when a lazy fold-in has no reservation to join, then it is written after the delay', async () => {
    const store = countingStore(inner);
    const buckets = createCostBuckets({ deps: { store, clock: systemClock, logger: pino({ level: 'silent' }) }, lazyWriteMs: 20 });
    const ref = { partnerId: 'p', accountId: 'alone' };
    await buckets.observe(ref, { throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 300, restoreRate: 0 } }, { lazy: true });
    expect(store.casCalls).toBe(1);
    expect((await buckets.read(ref))?.currentlyAvailable).toBe(300);
  });

  test('when the store fails during a batch, then every reservation of the batch rejects (none is left hanging)', async () => {
    const broken = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('buckets-broken') });
    const buckets = createCostBuckets({ deps: { store: broken, clock: systemClock, logger: pino({ level: 'silent' }) } });
    const ref = { partnerId: 'p', accountId: 'gone' };
    await buckets.observe(ref, { throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 1000, restoreRate: 1 } });
    await broken.close();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => buckets.reserve(ref, 10, 1000)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
  });
});
