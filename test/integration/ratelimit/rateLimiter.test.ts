import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema } from 'graphql';
import pino from 'pino';
import { type Deps, systemClock } from '../../../src/core/deps';
import { encodeInstallationRef, type InstallationRef } from '../../../src/core/installationRef';
import { isGatewayError } from '../../../src/errors/gatewayError';
import { createCostEstimator } from '../../../src/gateway/costEstimator';
import { createJobberForwarder, type JobberForwarder } from '../../../src/gateway/jobberForwarder';
import { createCostBuckets } from '../../../src/ratelimit/costBuckets';
import { createRateLimiter } from '../../../src/ratelimit/createRateLimiter';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';

/** Requested cost 250 by Jobber's rules (50 × 5 fields): four of them empty a 1000-point bucket. */
const EXPENSIVE = '{ clients(first: 50) { nodes { id name firstName lastName companyName } } }';
const CHEAP = '{ account { id name } }';
const APP = { clientId: 'rate-app', clientSecret: 'rate-secret', redirectUri: 'http://127.0.0.1/connector/callback' };

const jobberSchema = buildSchema(readFileSync(resolve(__dirname, '../../../schema/jobber.graphql'), 'utf8'));
const estimateCost = createCostEstimator(jobberSchema);

describe('rate limiter against the sandbox', () => {
  let sandbox: Sandbox;
  let store: Store;
  let refA: InstallationRef;
  let refB: InstallationRef;
  const tokens = new Map<string, string>();

  function newForwarder(maxWaitMs: number | undefined, deps: Deps): JobberForwarder {
    return createJobberForwarder({
      deps,
      jobberBaseUrl: sandbox.url,
      apiVersion: '2025-04-16',
      timeoutMs: 10_000,
      accessTokens: {
        getAccessToken: async (ref) => ({ ok: true, accessToken: tokens.get(encodeInstallationRef(ref))!, expiresAt: Date.now() + 3_600_000 }),
        forget: () => undefined,
      },
      onDisconnected: async () => undefined,
      ...(maxWaitMs === undefined ? {} : { pacer: createRateLimiter({ deps, estimateCost, maxWaitMs }) }),
    });
  }

  async function timed(forwarder: JobberForwarder, ref: InstallationRef, query: string) {
    const started = performance.now();
    try {
      const result = await forwarder.forward(ref, { query, isMutation: false });
      return { ms: performance.now() - started, ok: !result.json.errors, error: undefined };
    } catch (error) {
      return { ms: performance.now() - started, ok: false, error };
    }
  }

  beforeEach(async () => {
    sandbox = await createSandbox({ bucket: { maximumAvailable: 1000, restoreRate: 100 }, apps: [APP] });
    store = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('rl') });
    refA = { partnerId: 'p1', accountId: 'busy' };
    refB = { partnerId: 'p1', accountId: 'quiet' };
    for (const ref of [refA, refB]) {
      const account = sandbox.control.createAccount({ name: ref.accountId });
      tokens.set(encodeInstallationRef(ref), sandbox.control.issueTokensDirect({ clientId: APP.clientId, accountId: account.id }).access_token);
    }
  });

  afterEach(async () => {
    await store.close();
    await sandbox.close();
  });

  function deps(): Deps {
    return { store, fetch, clock: systemClock, logger: pino({ level: 'silent' }) };
  }

  test('when one account bursts expensive queries, then they are paced (no THROTTLED) while another account is not slowed', async () => {
    // Two gateway processes sharing one Redis: pacing must hold across them.
    const forwarders = [newForwarder(10_000, deps()), newForwarder(10_000, deps())];
    const burst = Array.from({ length: 6 }, (_, i) => timed(forwarders[i % 2]!, refA, EXPENSIVE));
    // Let the burst take the whole bucket first, then measure the other account.
    await new Promise((r) => setTimeout(r, 200));
    const quiet = await Promise.all(Array.from({ length: 4 }, (_, i) => timed(forwarders[i % 2]!, refB, EXPENSIVE)));
    const busy = await Promise.all(burst);

    expect(busy.map((r) => r.ok)).toEqual([true, true, true, true, true, true]);
    expect(quiet.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(sandbox.control.counters().throttled).toBe(0);
    // 6 × 250 = 1500 points at 1000 + 100/s: the last must have waited about 5 s for the bucket to restore.
    expect(Math.max(...busy.map((r) => r.ms))).toBeGreaterThan(4000);
    // The quiet account's four fit its own bucket: no waiting at all.
    expect(Math.max(...quiet.map((r) => r.ms))).toBeLessThan(1000);
    const bucketB = await createCostBuckets({ deps: deps() }).read(refB);
    expect(bucketB?.currentlyAvailable).toBeLessThanOrEqual(1000 - 4 * 250 + 100);
  }, 30_000);

  test('when the same burst goes out without the limiter, then Jobber throttles it (the sandbox enforces the bucket)', async () => {
    const forwarder = newForwarder(undefined, deps());
    await Promise.all(Array.from({ length: 6 }, () => timed(forwarder, refA, EXPENSIVE)));
    expect(sandbox.control.counters().throttled).toBeGreaterThan(0);
  });

  test('when the wait would exceed the bound, then the gateway refuses with UPSTREAM_THROTTLED and retryAfterMs without calling Jobber', async () => {
    const forwarder = newForwarder(1000, deps());
    await timed(forwarder, refA, CHEAP);
    const before = sandbox.control.counters().graphqlCalls;
    const results = await Promise.all(Array.from({ length: 6 }, () => timed(forwarder, refA, EXPENSIVE)));

    const refused = results.filter((r) => isGatewayError(r.error) && r.error.code === 'UPSTREAM_THROTTLED');
    expect(results.filter((r) => r.ok).length + refused.length).toBe(6);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) {
      const retryAfterMs = isGatewayError(r.error) ? r.error.extensions.retryAfterMs : undefined;
      expect(typeof retryAfterMs).toBe('number');
      expect(retryAfterMs as number).toBeGreaterThan(1000);
    }
    expect(sandbox.control.counters().graphqlCalls - before).toBe(6 - refused.length);
    expect(sandbox.control.counters().throttled).toBe(0);
  }, 30_000);

  describe('when Jobber throttles anyway (a process whose estimate is not shared)', () => {
    let otherStore: Store;
    beforeEach(() => {
      otherStore = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('rl-other') });
    });
    afterEach(async () => {
      await otherStore.close();
    });

    async function drainBucketOfA(): Promise<void> {
      const forwarder = newForwarder(10_000, deps());
      const results = await Promise.all(Array.from({ length: 4 }, () => timed(forwarder, refA, EXPENSIVE)));
      expect(results.every((r) => r.ok)).toBe(true);
    }

    function unaware(): JobberForwarder {
      return newForwarder(10_000, { store: otherStore, fetch, clock: systemClock, logger: pino({ level: 'silent' }) });
    }

    test('when a query is answered THROTTLED, then it is retried once after the deficit wait and succeeds', async () => {
      await drainBucketOfA();
      const result = await timed(unaware(), refA, EXPENSIVE);

      expect(result.ok).toBe(true);
      expect(sandbox.control.counters().throttled).toBe(1);
      // The deficit was about 250 points at 100/s.
      expect(result.ms).toBeGreaterThan(1500);
    }, 30_000);

    test('when a mutation is answered THROTTLED, then it is never resent and the client gets UPSTREAM_THROTTLED', async () => {
      await drainBucketOfA();
      const before = sandbox.control.counters().graphqlCalls;
      // Requested cost 150 (a connection in the payload), far above what the drained bucket holds.
      const mutation = 'mutation { clientCreate(input: { firstName: "Ann" }) { client { jobs(first: 50) { nodes { id title jobNumber } } } } }';
      let error: unknown;
      try {
        await unaware().forward(refA, { query: mutation, isMutation: true });
      } catch (caught) {
        error = caught;
      }

      expect(isGatewayError(error) && error.code).toBe('UPSTREAM_THROTTLED');
      expect(isGatewayError(error) && typeof error.extensions.retryAfterMs).toBe('number');
      expect(sandbox.control.counters().graphqlCalls - before).toBe(1);
      expect(sandbox.control.counters().throttled).toBe(1);
    }, 30_000);

    test('when Jobber answers 429 with Retry-After, then a query is retried once after it', async () => {
      sandbox.control.setRequestLimit({ max: 1, windowMs: 1500 });
      const forwarder = unaware();
      expect((await timed(forwarder, refB, CHEAP)).ok).toBe(true);
      const second = await timed(forwarder, refB, CHEAP);

      expect(second.ok).toBe(true);
      expect(sandbox.control.counters().rateLimited).toBe(1);
      expect(second.ms).toBeGreaterThan(900);
    }, 30_000);
  });
});
