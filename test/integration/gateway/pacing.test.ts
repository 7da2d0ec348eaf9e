import { buildInstallationKey } from '../../../src/core/installationRef';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { createTestPartner, installAccount, postGraphql, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

// 50 clients x 5 fields = 250 points by Jobber's rules.
const EXPENSIVE = 'query($n: Int!) { clients(first: $n) { nodes { id name firstName lastName companyName } } }';
const CHEAP = '{ account { id name } }';

describe('pacing expensive queries through the gateway', () => {
  let sandbox: Sandbox;
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    sandbox = await createSandbox({ bucket: { maximumAvailable: 1000, restoreRate: 100 } });
    gateway = await startTestGateway({ sandbox, config: { throttleMaxWaitMs: 8000 } });
    partner = await createTestPartner(gateway);
    await installAccount(gateway, partner, 'heavy', { accountName: 'Heavy Co' });
    await installAccount(gateway, partner, 'light', { accountName: 'Light Co' });
  });
  afterAll(async () => {
    await gateway.close();
    await sandbox.close();
  });

  test('when one account bursts past its cost bucket, then it is paced (Jobber never throttles) and another account is not held up', async () => {
    sandbox.control.resetCounters();
    const finished: { account: string; at: number; ok: boolean }[] = [];
    const heavy = Array.from({ length: 6 }, () =>
      postGraphql(gateway.url, { query: EXPENSIVE, variables: { n: 50 } }, partner.headers('heavy')).then((a) => {
        finished.push({ account: 'heavy', at: Date.now(), ok: !a.body.errors && (a.body.data?.clients as { nodes: unknown[] }).nodes.length === 50 });
      }),
    );
    const light = Array.from({ length: 4 }, () =>
      postGraphql(gateway.url, { query: CHEAP }, partner.headers('light')).then((a) => {
        finished.push({ account: 'light', at: Date.now(), ok: (a.body.data?.account as { name: string }).name === 'Light Co' });
      }),
    );
    await Promise.all([...heavy, ...light]);

    expect(finished.every((f) => f.ok)).toBe(true);
    expect(sandbox.control.counters().throttled).toBe(0);
    // 6 x 250 = 1500 points on a 1000-point bucket restoring 100/s: the last heavy one waits seconds,
    // while every light one finishes before it.
    const lastHeavy = Math.max(...finished.filter((f) => f.account === 'heavy').map((f) => f.at));
    const lastLight = Math.max(...finished.filter((f) => f.account === 'light').map((f) => f.at));
    expect(lastLight).toBeLessThan(lastHeavy);
  });

  test('when the wait would exceed the bound, then UPSTREAM_THROTTLED with retryAfterMs and Jobber is not called', async () => {
    const tight = await startTestGateway({ sandbox, config: { throttleMaxWaitMs: 100 } });
    try {
      const p = await createTestPartner(tight);
      await installAccount(tight, p, 'tight');
      // Learn the bucket, then drain it to near zero.
      await postGraphql(tight.url, { query: EXPENSIVE, variables: { n: 50 } }, p.headers('tight'));
      const callsBefore = sandbox.control.counters().graphqlCalls;
      const burst = await Promise.all(
        Array.from({ length: 5 }, () => postGraphql(tight.url, { query: EXPENSIVE, variables: { n: 50 } }, p.headers('tight'))),
      );
      const refused = burst.filter((a) => a.body.errors?.[0]?.extensions?.code === 'UPSTREAM_THROTTLED');
      expect(refused.length).toBeGreaterThan(0);
      for (const a of refused) expect(a.body.errors?.[0]?.extensions?.retryAfterMs).toBeGreaterThan(0);
      expect(sandbox.control.counters().throttled).toBe(0);
      // Only the requests that were not refused reached Jobber.
      expect(sandbox.control.counters().graphqlCalls - callsBefore).toBe(burst.length - refused.length);
    } finally {
      await tight.close();
    }
  });
});

describe('a forward that fails before Jobber answers', () => {
  test('when the call to Jobber times out, then the pacer\'s probe of the account is released at once (not held until its TTL)', async () => {
    const gateway = await startTestGateway({ config: { jobberTimeoutMs: 300 } });
    try {
      const partner = await createTestPartner(gateway);
      await installAccount(gateway, partner, 'stalled');
      // undici's headers timeout runs on its coarse timers (a tick every ~0.5 s): 300 ms can fire as late
      // as about 1 s, which raced a 1000 ms answer (seen once in CI). Jobber answers well after that.
      gateway.sandbox.control.setGraphqlLatency(2500);
      const answer = await postGraphql(gateway.url, { query: CHEAP }, partner.headers('stalled'));
      // The whole body, so that a failure shows what came instead.
      expect(answer.body).toMatchObject({ errors: [{ extensions: { code: 'UPSTREAM_TIMEOUT' } }] });
      const probe = buildInstallationKey({ partnerId: partner.partnerId, accountId: 'stalled' }, 'cost-probe');
      expect(await gateway.store.get(probe)).toBeNull();
    } finally {
      gateway.sandbox.control.setGraphqlLatency(0);
      await gateway.close();
    }
  });
});
