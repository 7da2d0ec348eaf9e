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

describe('cost bucket updates within one process', () => {
  const inner = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('buckets') });
  afterAll(() => inner.close());

  test('when 50 requests of one account reserve at once, then each debits once and no compare-and-set is lost', async () => {
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
    expect(store.casCalls).toBe(50);
    expect((await buckets.read(ref))?.currentlyAvailable).toBe(10_000 - 50 * 100);
  });
});
