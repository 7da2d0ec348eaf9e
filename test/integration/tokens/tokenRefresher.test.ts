import type { InstallationRef } from '../../../src/core/installationRef';
import { createEmbeddedStore } from '../../../src/store/embeddedStore';
import type { Store } from '../../../src/store/store';
import { ErrorCode, GatewayError } from '../../../src/errors/gatewayError';
import { buildRefreshLockKey } from '../../../src/tokens/refreshLock';
import { createSecretBox } from '../../../src/crypto/secretBox';
import { createTokenStore } from '../../../src/tokens/tokenStore';
import { buildRefresherFixture, FIXTURE_KEY } from './support/buildRefresherFixture';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './support/startFakeTokenEndpoint';

const ref: InstallationRef = { partnerId: 'p1', accountId: 'acct-1' };

describe('createTokenRefresher', () => {
  let store: Store;
  let endpoint: FakeTokenEndpoint;

  beforeEach(async () => {
    store = await createEmbeddedStore({ dataDir: null });
    endpoint = await startFakeTokenEndpoint({ lifetimeMs: 3_600_000 });
  });
  afterEach(async () => {
    await endpoint.close();
    await store.close();
  });

  /** Installs a pair from the endpoint, issued an hour ago, whose stored expiry is `expiresInMs` from now. */
  async function install(_fixture: ReturnType<typeof buildRefresherFixture>, expiresInMs: number) {
    const pair = endpoint.issue();
    const hourAgo = createTokenStore({ store, secretBox: createSecretBox({ keys: [FIXTURE_KEY] }), clock: { now: () => Date.now() - 3_600_000 } });
    await hourAgo.replace(ref, { ...pair, accessTokenExpiresAt: Date.now() + expiresInMs });
    return pair;
  }

  test('when 200 callers ask at once for an expiring token, then exactly one refresh happens and all get the new token', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    const old = await install(fixture, 50);
    const results = await Promise.all(Array.from({ length: 200 }, () => fixture.refresher.getAccessToken(ref)));
    expect(endpoint.counters.refreshes).toBe(1);
    expect(endpoint.counters.reuses).toBe(0);
    const tokens = new Set(results.map((r) => (r.ok ? r.accessToken : `failed:${JSON.stringify(r)}`)));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(old.accessToken);
    const stored = await fixture.tokenStore.read(ref);
    expect(stored?.refreshToken).not.toBe(old.refreshToken);
    expect(stored?.version).toBe(2);
  });

  test('when the token is fresh, then it is returned without a token call', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    const pair = await install(fixture, 3_600_000);
    expect(await fixture.refresher.getAccessToken(ref)).toMatchObject({ ok: true, accessToken: pair.accessToken });
    expect(endpoint.requests).toHaveLength(0);
  });

  test('when nothing is installed, then the result is not_installed', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    expect(await fixture.refresher.getAccessToken(ref)).toEqual({ ok: false, reason: 'not_installed' });
  });

  test('when Jobber rejected the stored token, then one refresh happens; when it rejected an older one, then the stored one is used', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    const pair = await install(fixture, 3_600_000);
    const refreshed = await Promise.all(Array.from({ length: 20 }, () => fixture.refresher.getAccessToken(ref, { rejected: pair.accessToken })));
    expect(endpoint.counters.refreshes).toBe(1);
    const newToken = refreshed[0]?.ok ? refreshed[0].accessToken : 'none';
    expect(newToken).not.toBe(pair.accessToken);
    expect(refreshed.every((r) => r.ok && r.accessToken === newToken)).toBe(true);
    // A second process still holding the old token in memory gets the new one without a refresh.
    const second = buildRefresherFixture(store, endpoint.baseUrl);
    expect(await second.refresher.getAccessToken(ref, { rejected: pair.accessToken })).toMatchObject({ ok: true, accessToken: newToken });
    expect(endpoint.counters.refreshes).toBe(1);
  });

  test('when two processes on one store ask at once, then one refresh happens across both', async () => {
    const a = buildRefresherFixture(store, endpoint.baseUrl, { lockPollMs: 10 });
    const b = buildRefresherFixture(store, endpoint.baseUrl, { lockPollMs: 10 });
    await install(a, 50);
    endpoint.set({ latencyMs: 100 });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).refresher.getAccessToken(ref)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(endpoint.counters.refreshes).toBe(1);
    expect(endpoint.counters.reuses).toBe(0);
  });

  test('when the token call outlasts the lock TTL, then renewal keeps the lock and the refresh token is not sent twice', async () => {
    const a = buildRefresherFixture(store, endpoint.baseUrl, { lockTtlMs: 300, lockWaitMs: 5000, lockPollMs: 10 });
    const b = buildRefresherFixture(store, endpoint.baseUrl, { lockTtlMs: 300, lockWaitMs: 5000, lockPollMs: 10 });
    await install(a, 50);
    endpoint.set({ latencyMs: 1000 });
    const first = a.refresher.getAccessToken(ref);
    await new Promise((r) => setTimeout(r, 100));
    const results = await Promise.all([first, b.refresher.getAccessToken(ref)]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(endpoint.requests).toHaveLength(1);
    expect(endpoint.counters.reuses).toBe(0);
  });

  test('when a dead process left the lock behind, then the next caller takes over after its TTL', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl, { lockTtlMs: 2000, lockPollMs: 20 });
    await install(fixture, 50);
    await store.set(buildRefreshLockKey(ref), 'dead-owner', { ttlMs: 400 });
    const started = Date.now();
    const result = await fixture.refresher.getAccessToken(ref);
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(endpoint.counters.refreshes).toBe(1);
    expect(await store.get(buildRefreshLockKey(ref))).toBeNull();
  });

  test('when the refresh token is refused but another writer stored a new pair meanwhile, then that is success', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    const pair = await install(fixture, 50);
    endpoint.revoke(pair.refreshToken);
    endpoint.set({ latencyMs: 300 });
    const pending = fixture.refresher.getAccessToken(ref);
    await new Promise((r) => setTimeout(r, 100));
    const reinstalled = endpoint.issue();
    await fixture.tokenStore.replace(ref, { ...reinstalled, accessTokenExpiresAt: Date.now() + 3_600_000 });
    expect(await pending).toMatchObject({ ok: true, accessToken: reinstalled.accessToken });
    expect(fixture.reauthorizations).toHaveLength(0);
  });

  test('when the refresh token is refused and unchanged, then the callback runs once, the dead tokens go, and nothing is resent', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    const pair = await install(fixture, 50);
    endpoint.revoke(pair.refreshToken);
    const results = await Promise.all(Array.from({ length: 10 }, () => fixture.refresher.getAccessToken(ref)));
    expect(results.every((r) => !r.ok && r.reason === 'reauthorization_required')).toBe(true);
    expect(fixture.reauthorizations).toEqual([{ ref, reason: 'token endpoint answered HTTP 401' }]);
    expect(await fixture.tokenStore.read(ref)).toBeNull();
    expect(await fixture.refresher.getAccessToken(ref)).toEqual({ ok: false, reason: 'not_installed' });
    expect(endpoint.requests).toHaveLength(1);
  });

  test('when no credentials are configured, then reauthorization is required without a token call', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl, { getCredentials: async () => null });
    await install(fixture, 50);
    expect(await fixture.refresher.getAccessToken(ref)).toEqual({ ok: false, reason: 'reauthorization_required' });
    expect(fixture.reauthorizations[0]?.reason).toBe('credentials_missing');
    expect(endpoint.requests).toHaveLength(0);
  });

  test('when the endpoint fails with 500 on an expired token, then the result is transient, the old refresh token stays, and a retry after backoff succeeds', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl, { backoffBaseMs: 300, inlineRetryMaxMs: 0 });
    const pair = await install(fixture, -1000);
    endpoint.set({ failNext: 1, failStatus: 500 });
    expect(await fixture.refresher.getAccessToken(ref)).toMatchObject({ ok: false, reason: 'transient', retryAfterMs: 300 });
    expect((await fixture.tokenStore.read(ref))?.refreshToken).toBe(pair.refreshToken);
    // Within the backoff: no new token call.
    expect(await fixture.refresher.getAccessToken(ref)).toMatchObject({ ok: false, reason: 'transient' });
    expect(endpoint.requests).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 350));
    expect(await fixture.refresher.getAccessToken(ref)).toMatchObject({ ok: true });
    expect(endpoint.counters).toMatchObject({ refreshes: 1, reuses: 0, failures: 1 });
  });

  test('when a lone 500 hits an expired token, then the flight retries once after the short backoff and the caller never sees it', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl, { backoffBaseMs: 50 });
    await install(fixture, -1000);
    endpoint.set({ failNext: 1, failStatus: 500 });
    expect(await fixture.refresher.getAccessToken(ref)).toMatchObject({ ok: true });
    expect(endpoint.counters).toMatchObject({ refreshes: 1, failures: 1, reuses: 0 });
  });

  test('when a holder loses its lock mid-call, then the next holder does not resend the claimed refresh token but waits for the result', async () => {
    const a = buildRefresherFixture(store, endpoint.baseUrl, { lockPollMs: 10 });
    const b = buildRefresherFixture(store, endpoint.baseUrl, { lockPollMs: 10 });
    await install(a, -1000);
    endpoint.set({ latencyMs: 600 });
    const first = a.refresher.getAccessToken(ref);
    while ((await store.get(buildRefreshLockKey(ref))) === null) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    await store.del(buildRefreshLockKey(ref)); // as if A stalled past its TTL and renewal
    const results = await Promise.all([first, b.refresher.getAccessToken(ref)]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(results[0]?.ok && results[1]?.ok && results[0].accessToken === results[1].accessToken).toBe(true);
    expect(endpoint.requests).toHaveLength(1);
    expect(endpoint.counters.reuses).toBe(0);
  });

  test('when the endpoint fails but the old access token has not expired, then the old token is served', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    const pair = await install(fixture, 10_000); // inside the 5-minute margin, not expired
    endpoint.set({ failNext: 1, failStatus: 503 });
    expect(await fixture.refresher.getAccessToken(ref)).toMatchObject({ ok: true, accessToken: pair.accessToken });
    expect(endpoint.counters.failures).toBe(1);
  });

  test.each([
    ['has no refresh token', false],
    ['repeats the same refresh token', 'echo'],
  ] as const)('when the response %s (rotation off), then the old refresh token is kept and may be sent again', async (_name, rotate) => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    const pair = await install(fixture, 50);
    endpoint.set({ rotate });
    const first = await fixture.refresher.getAccessToken(ref);
    expect(first.ok && first.accessToken).not.toBe(pair.accessToken);
    expect((await fixture.tokenStore.read(ref))?.refreshToken).toBe(pair.refreshToken);
    // Jobber rejects the new access token: the same (still valid) refresh token is used again, not refused locally.
    const second = await fixture.refresher.getAccessToken(ref, { rejected: first.ok ? first.accessToken : '' });
    expect(second.ok).toBe(true);
    expect(endpoint.counters).toMatchObject({ refreshes: 2, invalid: 0 });
  });

  test('when refreshNow runs with onlyIfIdleSince, then it skips recently refreshed installations and refreshes idle ones', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    await install(fixture, 3_600_000);
    // Installed an hour ago: not idle for two hours, idle for a minute.
    expect(await fixture.refresher.refreshNow(ref, { onlyIfIdleSince: Date.now() - 7_200_000 })).toBe('skipped');
    expect(await fixture.refresher.refreshNow(ref, { onlyIfIdleSince: Date.now() - 60_000 })).toBe('refreshed');
    expect(await fixture.refresher.refreshNow(ref, { onlyIfIdleSince: Date.now() - 60_000 })).toBe('skipped');
    expect(endpoint.counters.refreshes).toBe(1);
    expect(await fixture.refresher.refreshNow({ partnerId: 'p1', accountId: 'nobody' })).toBe('not_installed');
  });

  test('when a request joins a keeper refresh that fails, then it still gets the valid stored token', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl, { inlineRetryMaxMs: 0 });
    const pair = await install(fixture, 3_600_000); // idle for an hour, far from expiry
    endpoint.set({ latencyMs: 200, failNext: 1, failStatus: 500 });
    const keeper = fixture.refresher.refreshNow(ref, { onlyIfIdleSince: Date.now() });
    await new Promise((r) => setTimeout(r, 50));
    expect(await fixture.refresher.getAccessToken(ref)).toMatchObject({ ok: true, accessToken: pair.accessToken });
    expect(await keeper).toBe('transient');
  });

  test('when forget is called, then the next call reads the store again', async () => {
    const fixture = buildRefresherFixture(store, endpoint.baseUrl);
    await install(fixture, 3_600_000);
    await fixture.refresher.getAccessToken(ref);
    const replaced = endpoint.issue();
    await fixture.tokenStore.replace(ref, { ...replaced, accessTokenExpiresAt: Date.now() + 3_600_000 });
    fixture.refresher.forget(ref);
    expect(await fixture.refresher.getAccessToken(ref)).toMatchObject({ ok: true, accessToken: replaced.accessToken });
  });

  test('when a refreshed pair could not be saved and the installation is then invalidated, then the next flight saves that pair instead of refreshing again', async () => {
    // A store whose first compare-and-set of a token record fails like an unreachable Redis (the pair Jobber
    // just issued is then held in memory only).
    let failSaves = 1;
    const flaky: Store = Object.create(store) as Store;
    flaky.compareAndSet = async (key, expected, value, options) => {
      if (key.includes(':tokens') && failSaves > 0) {
        failSaves--;
        throw new GatewayError(ErrorCode.STORE_UNAVAILABLE, 'store down (test)');
      }
      return store.compareAndSet(key, expected, value, options);
    };
    const fixture = buildRefresherFixture(flaky, endpoint.baseUrl, { backoffBaseMs: 10, inlineRetryMaxMs: 0 });
    const original = await install(fixture, -1000);
    await expect(fixture.refresher.getAccessToken(ref)).rejects.toThrow('store down (test)');
    expect(endpoint.counters).toMatchObject({ refreshes: 1, reuses: 0 });
    // What every process does on an invalidation of this installation (a session revocation, say).
    fixture.refresher.forget(ref);
    const result = await fixture.refresher.getAccessToken(ref);
    expect(result).toMatchObject({ ok: true });
    // No second refresh: the rotated pair was saved.
    expect(endpoint.counters).toMatchObject({ refreshes: 1, reuses: 0 });
    const stored = await fixture.tokenStore.read(ref);
    expect(stored?.refreshToken).not.toBe(original.refreshToken);
    // And the stored refresh token is the live one Jobber issued: the next refresh is accepted, nothing reused.
    expect(await fixture.refresher.getAccessToken(ref, { rejected: stored?.accessToken as string })).toMatchObject({ ok: true });
    expect(endpoint.counters).toMatchObject({ refreshes: 2, reuses: 0, invalid: 0 });
  });
});
