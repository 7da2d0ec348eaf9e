import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { startRedisServer, type RedisServerProcess } from '../store/redisServerProcess';
import { postGraphql, startInstalledGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

describe('when Redis goes away and comes back', () => {
  let redis: RedisServerProcess;
  let store: Store;
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    redis = await startRedisServer();
    store = createRedisStore({ url: redis.url, commandTimeoutMs: 500 });
    // The restarted Redis is empty, so a cache re-check after it returns would rightly find no partner key:
    // a long re-check period keeps this test about the outage, not about revocation (cacheRecheck.test.ts).
    ({ gateway, partner } = await startInstalledGateway([{ accountId: 'steady', accountName: 'Steady Co' }], { store, config: { cacheRecheckMs: 60_000 } }));
  });
  afterAll(async () => {
    await gateway.close();
    await store.close();
    await redis.kill();
  });

  test('then cached work goes on, store work answers 503 fast, /readyz fails, and traffic recovers by itself', async () => {
    // Warm the in-process caches (partner key, access token).
    const warm = await postGraphql(gateway.url, { query: '{ account { name } }' }, partner.headers('steady'));
    expect(warm.body.data).toEqual({ account: { name: 'Steady Co' } });

    await redis.kill();

    const cached = await postGraphql(gateway.url, { query: '{ account { name } }' }, partner.headers('steady'));
    expect(cached.status).toBe(200);
    expect(cached.body.data).toEqual({ account: { name: 'Steady Co' } });

    const started = Date.now();
    const needsStore = await postGraphql(gateway.url, { query: '{ connectorSettings { clientId } }' }, partner.headers());
    const elapsed = Date.now() - started;
    expect(needsStore.status).toBe(503);
    expect(needsStore.body.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
    expect(elapsed).toBeLessThan(5000);

    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);

    redis = await startRedisServer({ port: redis.port });
    // The new server is empty (no persistence): recovery means the store answers again, not that data survived.
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetch(`${gateway.url}/readyz`)).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    const after = await postGraphql(gateway.url, { query: '{ connectorSettings { clientId } }' }, partner.headers());
    expect(after.status).toBe(200);
    expect(after.body.errors).toBeUndefined();
  });
});
