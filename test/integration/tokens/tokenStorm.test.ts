import { runStorm, setUpStormStage, type StormStage, type StormSummary } from './support/runTokenStorm';

/**
 * The multi-process proof (issue 5): 4 worker processes on one Redis, several accounts, a few-second
 * token lifetime, hundreds of concurrent requests. `STORM_SECONDS` (default 8) sets each run's length.
 */
const seconds = Number(process.env.STORM_SECONDS ?? 8);
const lifetime = 5;
/** Concurrent request loops per process (4 processes). */
const lanes = Number(process.env.STORM_LANES ?? 25);
const workers = 4;

function expectHealthy(summary: StormSummary): void {
  process.stdout.write(`token storm: ${JSON.stringify(summary)}\n`);
  expect(summary.refreshReuses).toBe(0);
  expect(summary.failures).toEqual({});
  expect(summary.failed).toBe(0);
  expect(summary.requests).toBeGreaterThan(100);
  expect(summary.refreshesPerAccount.reduce((a, b) => a + b, 0)).toBe(summary.sandboxRefreshes);
  // Tokens did expire during the run, so every account refreshed, and none more than the bound.
  for (const refreshes of summary.refreshesPerAccount) {
    expect(refreshes).toBeGreaterThanOrEqual(1);
    expect(refreshes).toBeLessThanOrEqual(summary.maxRefreshesPerAccount);
  }
}

describe('token storm across processes', () => {
  let stage: StormStage;
  afterEach(() => stage.close());

  test(`when 4 processes hammer 5 accounts with ${lifetime} s tokens for ${seconds} s, then no refresh token is reused and no request fails`, async () => {
    stage = await setUpStormStage({ accounts: 5, tokenLifetimeSeconds: lifetime });
    expectHealthy(await runStorm(stage, { workers, tokenLifetimeSeconds: lifetime, durationMs: seconds * 1000, lanes }));
  }, 60_000 + seconds * 3000);

  test('when the token endpoint is slower than the lock TTL, then renewal keeps one refresher per account and nothing fails', async () => {
    stage = await setUpStormStage({ accounts: 3, tokenLifetimeSeconds: lifetime });
    // 800 ms per token call against a 300 ms lock TTL: without renewal a second process would take over mid-call.
    stage.sandbox.control.setTokenEndpointLatency(800);
    expectHealthy(await runStorm(stage, { workers, tokenLifetimeSeconds: lifetime, durationMs: seconds * 1000, lanes, lockTtlMs: 300 }));
  }, 60_000 + seconds * 3000);

  test('when every third token call fails with 500, then the old refresh token is kept and retried and nothing is lost', async () => {
    stage = await setUpStormStage({ accounts: 3, tokenLifetimeSeconds: lifetime });
    stage.sandbox.control.setTokenEndpointFailure({ mode: 'status500', everyNth: 3 });
    const summary = await runStorm(stage, { workers, tokenLifetimeSeconds: lifetime, durationMs: seconds * 1000, lanes, backoffBaseMs: 50 });
    expect(stage.sandbox.control.counters().tokenCalls).toBeGreaterThan(summary.sandboxRefreshes);
    expectHealthy(summary);
  }, 60_000 + seconds * 3000);
});
