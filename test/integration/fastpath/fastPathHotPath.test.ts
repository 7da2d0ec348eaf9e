import type { Store } from '../../../src/store/store';
import { createRedisStore } from '../../../src/store/redisStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { waitFor } from '../../support/waitFor';
import { createCountingStore, type CountingStore } from '../../support/countingStore';
import { installAccount, postGraphql, startInstalledGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

describe('fast path: the hot path', () => {
  let gateway: TestGateway;
  let partner: TestPartner;
  let counting: CountingStore;
  let redis: Store;

  beforeAll(async () => {
    redis = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('hotpath') });
    counting = createCountingStore(redis);
    ({ gateway, partner } = await startInstalledGateway(['north'], { store: counting.store }));
  }, 60_000);
  afterAll(async () => {
    await gateway.close();
    await redis.close();
  });

  test('when the access token and the API key are cached, then a fast path request reads neither tokens nor keys from the store', async () => {
    const query = 'query($n: Int!) { clients(first: $n) { nodes { id } } }';
    // The first request warms the caches (API key, access token, cost estimate).
    expect((await postGraphql(gateway.url, { query, variables: { n: 1 } }, partner.headers('north'))).status).toBe(200);
    counting.setRecording(true);
    for (let n = 2; n <= 4; n++) {
      const answer = await postGraphql(gateway.url, { query, variables: { n } }, partner.headers('north'));
      expect(answer.body.errors).toBeUndefined();
    }
    // The last answer is folded into the estimate after it was sent (lazily): wait for that write, then stop recording.
    const writesAtLastAnswer = counting.touched.filter((entry) => entry.includes('cost-bucket')).length;
    await waitFor(() => counting.touched.filter((entry) => entry.includes('cost-bucket')).length > writesAtLastAnswer, "the last answer's bucket write");
    counting.setRecording(false);
    expect(counting.touched.filter((entry) => /tokens|partner-key|:partner$|session/.test(entry))).toEqual([]);
    // What remains is the pacer's shared cost-bucket estimate (DESIGN.md: shared by all processes), and the
    // first request's probe, released once its answer is folded in (after the answer is sent).
    const bucketCalls = counting.touched.filter((entry) => !entry.includes('cost-probe'));
    // Compare-and-sets only, each expecting the record this process last wrote (no read): one per
    // reservation, sharing it with the previous answer's fold-in when that came within 50 ms, and the last fold-in.
    expect(bucketCalls.every((entry) => /^compareAndSet .*cost-bucket$/.test(entry))).toBe(true);
    expect(bucketCalls.length).toBeGreaterThanOrEqual(4);
    expect(bucketCalls.length).toBeLessThanOrEqual(6);
  });

  test('when an account is asked for the first time, then its tokens are read from the store (the check above can see them)', async () => {
    expect((await installAccount(gateway, partner, 'south')).callbackStatus).toBe(200);
    // The install wrote the tokens to the store only; the first Jobber call of the account reads them.
    counting.touched.length = 0;
    counting.setRecording(true);
    const answer = await postGraphql(gateway.url, { query: '{ account { id } }' }, { ...partner.headers('south') });
    counting.setRecording(false);
    expect(answer.status).toBe(200);
    expect(counting.touched.some((entry) => entry.startsWith('get ') && entry.includes('tokens'))).toBe(true);
  });
});
