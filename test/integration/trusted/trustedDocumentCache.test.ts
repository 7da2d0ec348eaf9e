import { createHash } from 'node:crypto';
import { ErrorCode } from '../../../src/errors/gatewayError';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { createTrustedDocumentCache } from '../../../src/trusted/trustedDocumentCache';
import { createTrustedDocumentStore } from '../../../src/trusted/trustedDocumentStore';
import { createCountingStore, type CountingStore } from '../../support/countingStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { createTestPartner, installAccount, postGraphql, startTestGateway, type TestGateway } from '../../support/testGateway';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const A = 'query A { account { id } }';
const B = 'query B { account { name } }';

describe('trusted documents in process memory', () => {
  let inner: Store;
  let observed: CountingStore;
  const clock = { at: 1_000_000, now() { return this.at; } };

  beforeAll(() => {
    inner = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('trustedcache') });
    observed = createCountingStore(inner);
  });
  afterAll(() => inner.close());

  test('when a hash is asked for again and again, then the store is read once for the policy and once for the document per re-check period', async () => {
    const documents = createTrustedDocumentStore({ store: observed.store, clock });
    await documents.add('p1', [{ sha256Hash: sha(A), body: A, name: 'A' }], 10);
    const cache = createTrustedDocumentCache({ clock, documents, recheckMs: 2000 });
    observed.touched.length = 0;
    observed.setRecording(true);
    for (let i = 0; i < 100; i++) {
      const policy = await cache.policy('p1');
      expect(await cache.registeredText('p1', sha(A), policy)).toBe(A);
      expect(await cache.registeredText('p1', sha(B), policy)).toBeNull();
    }
    expect(observed.touched.filter((t) => t.includes('trusted-documents-only')).length).toBe(1);
    expect(observed.touched.filter((t) => t.includes(`trusted-document:${sha(A)}`)).length).toBe(1);
    expect(observed.touched.filter((t) => t.includes(`trusted-document:${sha(B)}`)).length).toBe(1);
    clock.at += 2000;
    await cache.policy('p1');
    expect(observed.touched.filter((t) => t.includes('trusted-documents-only')).length).toBe(2);
    observed.setRecording(false);
  });

  test('when a document is registered or removed elsewhere, then what this process knew is read again once it sees the new generation', async () => {
    const documents = createTrustedDocumentStore({ store: inner, clock });
    const cache = createTrustedDocumentCache({ clock, documents, recheckMs: 60_000 });
    const text = async () => cache.registeredText('p2', sha(B), await cache.policy('p2'));
    expect(await text()).toBeNull();
    await documents.add('p2', [{ sha256Hash: sha(B), body: B, name: null }], 10);
    // Without the invalidation the known absence stands until the re-check period ends.
    expect(await text()).toBeNull();
    cache.forgetPartner('p2');
    expect(await text()).toBe(B);
    await documents.remove('p2', [sha(B)]);
    expect(await text()).toBe(B);
    clock.at += 60_000;
    expect(await text()).toBeNull();
  });

  test('when the store is unreachable, then a policy read within the grace period is served, and without one the request fails with STORE_UNAVAILABLE', async () => {
    const documents = createTrustedDocumentStore({ store: observed.store, clock });
    const cache = createTrustedDocumentCache({ clock, documents, recheckMs: 1000, outageGraceMs: 10_000 });
    const policy = await cache.policy('p1');
    observed.setDown(true);
    try {
      clock.at += 5000;
      expect(await cache.policy('p1')).toEqual(policy);
      clock.at += 6000;
      await expect(cache.policy('p1')).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
      await expect(cache.policy('never-seen')).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    } finally {
      observed.setDown(false);
    }
  });
});

describe('trusted documents on the hot path of a gateway', () => {
  let inner: Store;
  let observed: CountingStore;
  let gateway: TestGateway;

  beforeAll(async () => {
    inner = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('trustedhot') });
    observed = createCountingStore(inner);
    gateway = await startTestGateway({ store: observed.store, config: { cacheRecheckMs: 60_000 } });
    gateway.sandbox.control.setBucket({ maximumAvailable: 1e9, restoreRate: 1e9 });
  }, 60_000);
  afterAll(async () => {
    await gateway.close();
    await inner.close();
  });

  test('when a session sends a registered hash many times with the switch on, then no request reads the document or the policy from the store again', async () => {
    const partner = await createTestPartner(gateway);
    expect((await installAccount(gateway, partner, 'north')).callbackStatus).toBe(200);
    const asPartner = (query: string, variables?: Record<string, unknown>) => postGraphql(gateway.url, { query, ...(variables ? { variables } : {}) }, partner.headers());
    expect((await asPartner('mutation($d: [TrustedDocumentInput!]!) { registerTrustedDocuments(documents: $d) { sha256Hash } }', { d: [{ body: A }] })).body.errors).toBeUndefined();
    expect((await asPartner('mutation { setTrustedDocumentsOnly(enabled: true) { trustedDocumentsOnly } }')).body.errors).toBeUndefined();
    const token = ((await asPartner('mutation { createAccountSession(accountId: "north") { token } }')).body.data?.createAccountSession as { token: string }).token;
    const byHash = () =>
      fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha(A) } } }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { data?: unknown } }));
    expect((await byHash()).body.data).toEqual({ account: { id: expect.any(String) } });
    observed.touched.length = 0;
    observed.setRecording(true);
    for (let i = 0; i < 50; i++) expect((await byHash()).status).toBe(200);
    const trustedReads = observed.touched.filter((t) => t.includes('trusted-document'));
    const sessionReads = observed.touched.filter((t) => t.includes('jg:session:'));
    observed.setRecording(false);
    expect(trustedReads).toEqual([]);
    // The session record is read per request, as before trusted documents.
    expect(sessionReads.length).toBe(50);
  });
});
