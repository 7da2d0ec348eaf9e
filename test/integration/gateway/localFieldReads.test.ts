import type { Store } from '../../../src/store/store';
import { DEFAULT_QUERY_LIMITS } from '../../../src/limits/queryLimits';
import { createRedisStore } from '../../../src/store/redisStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { createCountingStore, type CountingStore } from '../../support/countingStore';
import { postGraphql, startInstalledGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

// 200 aliases, not thousands: stitching 1000 local root fields costs seconds of CPU by itself (validation
// and delegation). The parser limits (50 aliases, 30 root fields by default) are raised for this file:
// what is counted here is the store reads behind aliases that get through.
const aliases = (count: number, field: (i: number) => string): string => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field(i)}`).join(' ')} }`;

describe.each([
  ['stitching', false],
  ['the fast path (split)', true],
])('local fields that read the store, through %s', (_name, fastPath) => {
  let gateway: TestGateway;
  let partner: TestPartner;
  let counting: CountingStore;
  let redis: Store;

  beforeAll(async () => {
    redis = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('reads') });
    counting = createCountingStore(redis);
    // No re-check read of the cached partner key (CACHE_RECHECK_MS) may fall inside a counted call: on a
    // loaded machine one did (3 reads against 1), and the test counts the fields' reads only.
    ({ gateway, partner } = await startInstalledGateway(['one'], {
      store: counting.store,
      fastPath,
      config: { cacheRecheckMs: 600_000, queryLimits: { ...DEFAULT_QUERY_LIMITS, maxAliases: 250, maxRootFields: 250 } },
    }));
    // Cache the partner key, so what is counted below is the fields' own reads.
    await postGraphql(gateway.url, { query: '{ connectorSettings { clientId } }' }, partner.headers());
  });
  afterAll(async () => {
    await gateway.close();
    await redis.close();
  });

  async function countedCalls(query: string, accountId?: string, headers = partner.headers(accountId)) {
    counting.calls.length = 0;
    counting.setRecording(true);
    const answer = await postGraphql(gateway.url, { query }, headers);
    counting.setRecording(false);
    return { answer, calls: [...counting.calls] };
  }

  test('when one store-reading field is selected, then it costs a handful of store calls (the baseline)', async () => {
    const { answer, calls } = await countedCalls('{ connectorInstallation(accountId: "one") { status } }');
    expect(answer.body.data?.connectorInstallation?.status).toBe('INSTALLED');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.length).toBeLessThanOrEqual(3);
  });

  test.each([
    ['connectorSettings', () => 'connectorSettings { clientId webhookUrl }'],
    ['connectorInstallation', () => 'connectorInstallation(accountId: "one") { status }'],
    ['connectorInstallations', () => 'connectorInstallations(first: 10) { totalCount nodes { accountId } }'],
    ['partnerApiKeys', () => 'partnerApiKeys { id current expiresAt }'],
  ])('when %s is aliased 200 times with the same arguments, then the store is read as for one', async (_field, field) => {
    const single = await countedCalls(`{ ${field()} }`);
    const bomb = await countedCalls(aliases(200, field));
    expect(bomb.answer.body.errors).toBeUndefined();
    expect(Object.keys(bomb.answer.body.data ?? {})).toHaveLength(200);
    expect(bomb.calls.length).toBe(single.calls.length);
  });

  test("when the admin lists partners under 200 aliases and reads each partner's keys, then the page and each key list are read as for one alias", async () => {
    const admin = { authorization: `Bearer ${gateway.adminKey}` };
    const field = () => 'partners(first: 10) { totalCount nodes { id apiKeys { id current } } }';
    const single = await countedCalls(`{ ${field()} }`, undefined, admin);
    const bomb = await countedCalls(aliases(200, field), undefined, admin);
    expect(bomb.answer.body.errors).toBeUndefined();
    expect(bomb.answer.body.data?.a199?.nodes?.[0]?.apiKeys?.[0]?.current).toBe(true);
    expect(bomb.calls.length).toBe(single.calls.length);
  });

  test('when 200 aliases ask for different installations, then at most 50 are read and the rest answer TOO_MANY_STORE_READS', async () => {
    const { answer, calls } = await countedCalls(aliases(200, (i) => `connectorInstallation(accountId: "acct-${i}") { status }`));
    const codes = (answer.body.errors ?? []).map((error) => error.extensions?.code);
    expect(codes).toHaveLength(150);
    expect(new Set(codes)).toEqual(new Set(['TOO_MANY_STORE_READS']));
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'TOO_MANY_STORE_READS', maximumStoreReads: 50 });
    expect(answer.status).toBe(200);
    expect(calls.length).toBeLessThanOrEqual(50 * 3);
  });

  test('when a mixed query aliases a local field beside a Jobber field, then the reads are shared too', async () => {
    const single = await countedCalls('{ connectorSettings { clientId } }');
    const { answer, calls } = await countedCalls(`{ account { id } ${Array.from({ length: 200 }, (_, i) => `s${i}: connectorSettings { clientId }`).join(' ')} }`, 'one');
    expect(answer.body.errors).toBeUndefined();
    const settingsReads = calls.filter((call) => call.includes('settings')).length;
    expect(settingsReads).toBe(single.calls.filter((call) => call.includes('settings')).length);
  });
});
