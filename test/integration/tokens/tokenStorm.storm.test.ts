import { buildRefreshLockKey } from '../../../src/tokens/refreshLock';
import { runStorm, setUpStormStage, type StormStage, type StormSummary } from './support/runTokenStorm';
import { waitFor } from '../../support/waitFor';

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
  // Every failure kind is a bug except one the harness causes: a GraphQL call that took longer than the
  // remaining life of a valid token (a stalled, CPU-starved test machine: seconds-long calls against 5 s
  // tokens). Those are counted apart, must stay rare, and are printed above for the record.
  const { 'graphql:401:expired-in-flight': expiredInFlight = 0, ...otherFailures } = summary.failures;
  expect(otherFailures).toEqual({});
  expect(expiredInFlight).toBeLessThanOrEqual(Math.floor(summary.requests / 500));
  expect(summary.failed).toBe(expiredInFlight);
  expect(summary.requests).toBeGreaterThan(100);
  expect(summary.refreshesPerAccount.reduce((a, b) => a + b, 0)).toBe(summary.sandboxRefreshes);
  // Tokens did expire during the run, so every account refreshed, and none more than the bound.
  for (const refreshes of summary.refreshesPerAccount) {
    expect(refreshes).toBeGreaterThanOrEqual(1);
    expect(refreshes).toBeLessThanOrEqual(summary.maxRefreshesPerAccount);
  }
}


/** One file, so the heavy multi-process tests never run in parallel with each other. */
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

  test('when the lock holder is SIGKILLed mid token call, then another process takes the lock after its TTL and no refresh token is reused', async () => {
    stage = await setUpStormStage({ accounts: 1, tokenLifetimeSeconds: 5 });
    const ref = stage.refs[0]!;
    // Make the stored token due now, and the token endpoint slow enough to kill the holder mid-call.
    const record = (await stage.tokenStore.read(ref))!;
    await stage.tokenStore.save(ref, { ...record, accessTokenExpiresAt: Date.now() - 1 }, { expected: record });
    stage.sandbox.control.setTokenEndpointLatency(4000);
    const lockTtlMs = 1000;
    const victim = stage.startWorker({ durationMs: 30_000, lanes: 2, lockTtlMs, tokenTimeoutMs: 6000 });
    const victimOwner = await waitFor(() => stage.store.get(buildRefreshLockKey(ref)), 'the victim to take the lock', 20_000);
    await waitFor(async () => stage.sandbox.control.counters().tokenCalls > 0, 'a token call', 10_000);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await victim.done).toBeNull();
    // Premise: killed mid-call, i.e. before it could save a new pair.
    expect((await stage.tokenStore.read(ref))?.version).toBe(record.version + 1);

    const survivor = stage.startWorker({ durationMs: 15_000, lanes: 4, lockTtlMs, tokenTimeoutMs: 6000 });
    const takeover = await waitFor(async () => {
      const owner = await stage.store.get(buildRefreshLockKey(ref));
      return owner !== null && owner !== victimOwner ? Date.now() : null;
    }, 'another process to take the lock', 30_000);
    const report = await survivor.done;
    const counters = stage.sandbox.control.counters();
    const finalRecord = await stage.tokenStore.read(ref);
    process.stdout.write(
      `token kill: ${JSON.stringify({ takeoverAfterKillMs: takeover - killedAt, lockTtlMs, counters, survivor: report, finalVersion: finalRecord?.version ?? null })}\n`,
    );
    expect(takeover - killedAt).toBeGreaterThanOrEqual(lockTtlMs - 300);
    if (counters.invalidGrants === 0) {
      // The sandbox dropped the killed call (its connection closed during the latency), so the refresh token
      // was never spent: the survivor sent it once, after the dead holder's claim expired, and went on.
      expect(report?.succeeded).toBeGreaterThan(0);
      expect(counters.refreshReuses).toBe(0);
      expect(report?.reauthorizations).toBe(0);
      expect(finalRecord?.version).toBeGreaterThanOrEqual(record.version + 2);
    } else {
      // Honest limit: had the killed call rotated the token, its new pair died with the process; the survivor's
      // one send of the old token is refused, it re-reads, finds it unchanged and requires reauthorization.
      expect(report?.reauthorizations).toBe(1);
      expect(finalRecord).toBeNull();
    }
  }, 90_000);
});
