import { encodeInstallationRef, type InstallationRef } from '../../../src/core/installationRef';
import { createSecretBox } from '../../../src/crypto/secretBox';
import { createEmbeddedStore } from '../../../src/store/embeddedStore';
import type { Store } from '../../../src/store/store';
import { createTokenKeeper } from '../../../src/tokens/tokenKeeper';
import { createTokenStore, KEEPER_INDEX_KEY } from '../../../src/tokens/tokenStore';
import { buildRefresherFixture, FIXTURE_KEY } from './support/buildRefresherFixture';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './support/startFakeTokenEndpoint';

const day = 24 * 60 * 60 * 1000;
const idle1: InstallationRef = { partnerId: 'p1', accountId: 'idle-1' };
const idle2: InstallationRef = { partnerId: 'p2', accountId: 'idle-2' };
const fresh: InstallationRef = { partnerId: 'p1', accountId: 'fresh' };

describe('createTokenKeeper', () => {
  let store: Store;
  let endpoint: FakeTokenEndpoint;

  beforeEach(async () => {
    store = await createEmbeddedStore({ dataDir: null });
    endpoint = await startFakeTokenEndpoint();
  });
  afterEach(async () => {
    await endpoint.close();
    await store.close();
  });

  async function installAt(ref: InstallationRef, at: number): Promise<string> {
    const tokens = createTokenStore({ store, secretBox: createSecretBox({ keys: [FIXTURE_KEY] }), clock: { now: () => at } });
    const pair = endpoint.issue();
    await tokens.replace(ref, { ...pair, accessTokenExpiresAt: at + 3_600_000 });
    return pair.refreshToken;
  }

  test('when two processes run a pass at once, then each idle installation is refreshed exactly once and fresh ones are left alone', async () => {
    const old1 = await installAt(idle1, Date.now() - 2 * day);
    const old2 = await installAt(idle2, Date.now() - 1.5 * day);
    const freshToken = await installAt(fresh, Date.now() - 1000);
    const a = buildRefresherFixture(store, endpoint.baseUrl, { lockPollMs: 10 });
    const b = buildRefresherFixture(store, endpoint.baseUrl, { lockPollMs: 10 });
    endpoint.set({ latencyMs: 50 });
    const keepers = [a, b].map((f) => createTokenKeeper({ deps: f.deps, refresher: f.refresher, idleMs: day }));
    const summaries = await Promise.all(keepers.map((k) => k.runOnce()));

    expect(endpoint.counters.refreshes).toBe(2);
    expect(endpoint.counters.reuses).toBe(0);
    expect(summaries.reduce((n, s) => n + s.refreshed, 0)).toBe(2);
    expect(summaries.reduce((n, s) => n + s.skipped, 0)).toBe(2);
    expect((await a.tokenStore.read(idle1))?.refreshToken).not.toBe(old1);
    expect((await a.tokenStore.read(idle2))?.refreshToken).not.toBe(old2);
    expect((await a.tokenStore.read(fresh))?.refreshToken).toBe(freshToken);
    // The refreshed installations moved to the back of the index: a new pass finds nothing due.
    expect(await keepers[0]?.runOnce()).toMatchObject({ refreshed: 0, skipped: 0 });
  });

  test('when the index names an installation without tokens, then the pass drops it from the index', async () => {
    await store.zAdd(KEEPER_INDEX_KEY, Date.now() - 2 * day, encodeInstallationRef({ partnerId: 'p1', accountId: 'gone' }));
    await store.zAdd(KEEPER_INDEX_KEY, Date.now() - 2 * day, 'not-a-ref');
    const f = buildRefresherFixture(store, endpoint.baseUrl);
    const summary = await createTokenKeeper({ deps: f.deps, refresher: f.refresher, idleMs: day }).runOnce();
    expect(summary.not_installed).toBe(1);
    expect(await store.zCard(KEEPER_INDEX_KEY)).toBe(0);
  });

  test('when started, then passes run on the jittered interval until stopped', async () => {
    await installAt(idle1, Date.now() - 2 * day);
    const f = buildRefresherFixture(store, endpoint.baseUrl);
    const keeper = createTokenKeeper({ deps: f.deps, refresher: f.refresher, idleMs: day, intervalMs: 50 });
    keeper.start();
    const deadline = Date.now() + 5000;
    while (endpoint.counters.refreshes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await keeper.stop();
    expect(endpoint.counters.refreshes).toBe(1);
  });
});
