import { buildInstallationKey, buildPartnerKey } from '../../../src/core/installationRef';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { startRedisServer, type RedisServerProcess } from '../store/redisServerProcess';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { createCountingStore, type CountingStore } from '../../support/countingStore';
import { createTestPartner, type GraphqlAnswer, installAccount, postGraphql, startInstalledGateway, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

const RECHECK_MS = 1000;
const QUERY = '{ account { name } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `refused`; returns how long it took. */
async function timeUntil(probe: () => Promise<GraphqlAnswer>, refused: (answer: GraphqlAnswer) => boolean): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (refused(await probe())) return Date.now() - started;
    if (Date.now() - started > 10_000) throw new Error('still served after 10 s');
    await sleep(20);
  }
}

/**
 * The fallback behind the invalidation channel (CACHE_RECHECK_MS): a process that misses a message
 * (here: the store is changed behind the gateway's back, so no message is ever sent) still stops within
 * one re-check period, and between re-checks the hot path reads nothing from the store.
 */
describe('cached state is re-checked once per CACHE_RECHECK_MS', () => {
  let inner: Store;
  let counting: CountingStore;
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    inner = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('recheck') });
    counting = createCountingStore(inner);
    ({ gateway, partner } = await startInstalledGateway(['hot', 'lost-uninstall', 'lost-disable', 'lost-revoke'], { store: counting.store, config: { cacheRecheckMs: RECHECK_MS } }));
  });
  afterAll(async () => {
    await gateway.close();
    await inner.close();
  });

  test('when requests keep coming, then the access token and the API key are read at most once per period, not per request', async () => {
    expect((await postGraphql(gateway.url, { query: QUERY }, partner.headers('hot'))).status).toBe(200);
    counting.touched.length = 0;
    counting.setRecording(true);
    const started = Date.now();
    let requests = 0;
    while (Date.now() - started < 2.5 * RECHECK_MS) {
      const answer = await postGraphql(gateway.url, { query: QUERY }, partner.headers('hot'));
      expect(answer.body.errors).toBeUndefined();
      requests++;
    }
    const elapsed = Date.now() - started;
    counting.setRecording(false);
    const tokenReads = counting.touched.filter((entry) => /:tokens$/.test(entry)).length;
    const keyReads = counting.touched.filter((entry) => entry.includes('partner-key:')).length;
    const periods = Math.ceil(elapsed / RECHECK_MS);
    process.stdout.write(`re-check reads over ${elapsed} ms and ${requests} requests: ${tokenReads} token reads, ${keyReads} key reads\n`);
    expect(requests).toBeGreaterThan(4 * periods);
    expect(tokenReads).toBeGreaterThanOrEqual(periods - 1);
    expect(tokenReads).toBeLessThanOrEqual(periods);
    expect(keyReads).toBeGreaterThanOrEqual(periods - 1);
    expect(keyReads).toBeLessThanOrEqual(periods);
  });

  test('when an installation loses its tokens without any message, then the process refuses it within one period', async () => {
    expect((await postGraphql(gateway.url, { query: QUERY }, partner.headers('lost-uninstall'))).status).toBe(200);
    await inner.del(buildInstallationKey({ partnerId: partner.partnerId, accountId: 'lost-uninstall' }, 'tokens'));
    const took = await timeUntil(
      () => postGraphql(gateway.url, { query: QUERY }, partner.headers('lost-uninstall')),
      (answer) => answer.body.errors?.[0]?.extensions?.code === 'CONNECTOR_NOT_INSTALLED',
    );
    expect(took).toBeLessThan(RECHECK_MS + 1000);
  });

  test('when a partner is disabled without any message, then its cached key is refused within one period', async () => {
    const other = await createTestPartner(gateway);
    expect((await installAccount(gateway, other, 'lost-disable')).callbackStatus).toBe(200);
    expect((await postGraphql(gateway.url, { query: QUERY }, other.headers('lost-disable'))).status).toBe(200);
    const recordKey = buildPartnerKey(other.partnerId, 'partner');
    const record = JSON.parse((await inner.get(recordKey)) ?? '{}') as Record<string, unknown>;
    await inner.set(recordKey, JSON.stringify({ ...record, disabled: true }));
    const took = await timeUntil(() => postGraphql(gateway.url, { query: QUERY }, other.headers('lost-disable')), (answer) => answer.status === 403);
    expect(took).toBeLessThan(RECHECK_MS + 1000);
  });

  test("when an account's sessions are revoked without any message, then its session is refused within one period", async () => {
    const created = await postGraphql(gateway.url, { query: 'mutation { createAccountSession(accountId: "lost-revoke") { token } }' }, partner.headers());
    const token = (created.body.data?.createAccountSession as { token: string }).token;
    const asSession = () => postGraphql(gateway.url, { query: QUERY }, { authorization: `Bearer ${token}` });
    expect((await asSession()).status).toBe(200);
    await inner.incr(buildInstallationKey({ partnerId: partner.partnerId, accountId: 'lost-revoke' }, 'sessions-generation'));
    const took = await timeUntil(asSession, (answer) => answer.status === 401);
    expect(took).toBeLessThan(RECHECK_MS + 1000);
  });
});

describe('a re-check while Redis is down', () => {
  let redis: RedisServerProcess;
  let store: Store;
  let gateway: TestGateway;

  beforeAll(async () => {
    redis = await startRedisServer();
    store = createRedisStore({ url: redis.url, commandTimeoutMs: 500 });
    gateway = await startTestGateway({ store, config: { cacheRecheckMs: 300 } });
  });
  afterAll(async () => {
    await gateway.close();
    await store.close();
    await redis.kill();
  });

  test('when the re-check cannot reach the store, then the cached token and key keep serving (DESIGN.md "When Redis is down")', async () => {
    const partner = await createTestPartner(gateway);
    await installAccount(gateway, partner, 'steady', { accountName: 'Steady Co' });
    expect((await postGraphql(gateway.url, { query: QUERY }, partner.headers('steady'))).body.data).toEqual({ account: { name: 'Steady Co' } });
    await redis.kill();
    await sleep(400); // past the re-check period: the next request re-checks, and the store is gone
    for (let i = 0; i < 3; i++) {
      const answer = await postGraphql(gateway.url, { query: QUERY }, partner.headers('steady'));
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ account: { name: 'Steady Co' } });
      await sleep(350);
    }
  });
});
