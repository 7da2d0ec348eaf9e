import { fixedMessageOf } from '../../../src/errors/gatewayError';
import { shouldRefresh } from '../../../src/tokens/shouldRefresh';
import { killRefreshLockHolder } from './support/killRefreshLockHolder';
import { measureStorm, waitForNoRefreshLocks, type StormReport } from './support/measureStorm';
import { countFailureReasons, runGatewayStorm, type StormResult } from './support/runGatewayStorm';
import type { TapCounts } from './support/startJobberTap';
import { readInstallationStatuses, startGatewayCluster, type GatewayCluster } from './support/startGatewayCluster';
import { waitFor } from '../../support/waitFor';

/**
 * Issue 5's proof with the real product: 4 gateway processes (src/main.ts) on one private Redis, a sandbox
 * whose tokens live 3 s, 5 accounts installed through the real consent flow, a hundred (STORM_LANES) request
 * loops at once, round robin over processes and accounts. STORM_SECONDS (default 12) lengthens the main storm,
 * STORM_VARIANT_SECONDS (default 8) the slow and failing token endpoint runs, STORM_LANES (default 100)
 * sets the concurrency.
 */
const LIFETIME_SECONDS = 3;
const JOBBER_TIMEOUT_MS = 10_000;
/** The refresher's defaults for that timeout (src/tokens/refresherSettings.ts). */
const LOCK_TTL_MS = JOBBER_TIMEOUT_MS + 5_000;
const stormSeconds = Number(process.env.STORM_SECONDS ?? 12);
const variantSeconds = Number(process.env.STORM_VARIANT_SECONDS ?? 8);
const lanes = Number(process.env.STORM_LANES ?? 100);


/** The one failure the refresh design does not rule out: the token sent expired before Jobber checked it (see the tap). */
const EXPIRED_IN_TRANSIT = `HTTP 200 UPSTREAM_UNAVAILABLE (token_rejected) ${fixedMessageOf.UPSTREAM_UNAVAILABLE}`;

/**
 * No failed request, except where the tap proves why: each such request was refused twice (first try and
 * the one retry with another token), and every 401 Jobber gave was for a token already expired when it
 * answered. That happens only when the machine is so loaded that a request spends longer in transit than
 * a 3 s token has left (p99 latency of several seconds); on a quiet machine the count is 0.
 */
function expectNoFailureButExpiryInTransit(failures: Record<string, number>, jobber: TapCounts, storm: StormResult): void {
  const { [EXPIRED_IN_TRANSIT]: inTransit = 0, ...others } = failures;
  expect(others).toEqual({});
  expect(jobber.otherRefusals).toBe(0);
  expect(inTransit * 2).toBeLessThanOrEqual(jobber.expiredTokenRefusals);
  // A token valid when its request began cannot reach Jobber expired by more than that request's latency:
  // a gateway serving stale tokens from a cache would break this.
  expect(jobber.maxExpiredLagMs).toBeLessThan(storm.latencyMs.max);
  // No percentage cap: how many tokens expire in transit depends only on how loaded the machine is (in a full
  // `npm test` next to the other storm, p99 latency reached 13 s, four times the tokens' life). The storm must
  // still mostly succeed, or it proves nothing.
  expect(storm.succeeded).toBeGreaterThan(storm.requests / 2);
}

function expectNoReuseAndAllInstalled(report: StormReport): void {
  expect(report.sandbox.refreshReuses).toBe(0);
  expect(report.sandbox.invalidGrants).toBe(0);
  expect(report.crossTenant).toBe(0);
  expect(Object.values(report.statuses)).toEqual(report.refreshesPerAccount.map(() => 'INSTALLED'));
  // Every refresh Jobber performed was saved by exactly one process, and none was needless.
  expect(report.refreshesPerAccount.reduce((a, b) => a + b, 0)).toBe(report.sandbox.refreshes);
  for (const refreshes of report.refreshesPerAccount) expect(refreshes).toBeLessThanOrEqual(report.maxRefreshesPerAccount);
}

describe('4 gateway processes on one Redis under a refresh storm', () => {
  let cluster: GatewayCluster | undefined;
  const live = () => cluster as GatewayCluster;

  beforeAll(async () => {
    cluster = await startGatewayCluster({
      processes: 4,
      accounts: 5,
      tokenLifetimeSeconds: LIFETIME_SECONDS,
      env: { JOBBER_TIMEOUT_MS: String(JOBBER_TIMEOUT_MS) },
    });
  }, 240_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  beforeEach(() => {
    cluster?.sandbox.control.setTokenEndpointLatency(0);
    cluster?.sandbox.control.setTokenEndpointFailure({ mode: 'none' });
  });

  test(`when ${lanes} concurrent requests hit 4 processes and 5 accounts for ${stormSeconds} s of 3 s tokens, then no refresh token is reused, no tenant sees another's data and no request fails but for tokens expired in transit`, async () => {
    const report = await measureStorm(live(), 'steady', LIFETIME_SECONDS, () => runGatewayStorm(live(), { durationMs: stormSeconds * 1000, lanes }));
    expectNoFailureButExpiryInTransit(report.failureReasons, report.jobber, report.storm);
    expect(report.requests).toBeGreaterThan(300);
    for (const served of report.byGateway) expect(served).toBeGreaterThan(0);
    // The tokens did expire during the run: every account went through refreshes.
    for (const refreshes of report.refreshesPerAccount) expect(refreshes).toBeGreaterThanOrEqual(report.lifetimesInWindow - 1);
    expectNoReuseAndAllInstalled(report);
  }, 120_000 + stormSeconds * 3000);

  test('when the token endpoint takes 4 to 6 s (the lock is held that long), then one refresher per account, no reuse and no failed request but for tokens expired in transit', async () => {
    const { sandbox } = live();
    let slow = 4000;
    sandbox.control.setTokenEndpointLatency(slow);
    const swing = setInterval(() => sandbox.control.setTokenEndpointLatency((slow = slow >= 6000 ? 4000 : slow + 1000)), 1000);
    let report: StormReport;
    try {
      report = await measureStorm(live(), 'slow-token-endpoint', LIFETIME_SECONDS, () => runGatewayStorm(live(), { durationMs: variantSeconds * 1000, lanes }));
    } finally {
      clearInterval(swing);
    }
    expectNoFailureButExpiryInTransit(report.failureReasons, report.jobber, report.storm);
    for (const refreshes of report.refreshesPerAccount) expect(refreshes).toBeGreaterThanOrEqual(1);
    expectNoReuseAndAllInstalled(report);
  }, 180_000);

  test('when every third token call fails with 500, then no refresh token is reused, no installation is lost, and the only failures are "no token obtainable"', async () => {
    live().sandbox.control.setTokenEndpointFailure({ mode: 'status500', everyNth: 3 });
    const report = await measureStorm(live(), 'token-endpoint-500-every-3rd', LIFETIME_SECONDS, () =>
      runGatewayStorm(live(), { durationMs: variantSeconds * 1000, lanes }),
    );
    // Premise: failures were injected.
    expect(report.sandbox.tokenCalls).toBeGreaterThan(report.sandbox.refreshes);
    // The design allows a request to fail only when the stored access token is expired and its refresh failed.
    const noToken = Object.entries(report.failureReasons).filter(([reason]) => /^HTTP \d+ UPSTREAM_UNAVAILABLE \(token_unobtainable\)/.test(reason));
    const rest = Object.fromEntries(Object.entries(report.failureReasons).filter(([reason]) => !noToken.some(([r]) => r === reason)));
    expectNoFailureButExpiryInTransit(rest, report.jobber, report.storm);
    expect(noToken.reduce((sum, [, n]) => sum + n, 0)).toBeLessThan(report.requests / 10);
    expectNoReuseAndAllInstalled(report);
  }, 180_000);

  test('when the process holding a refresh lock is SIGKILLed mid token call, then another takes over after the lock TTL and no refresh token is reused', async () => {
    const cluster = live();
    const [target, ...others] = cluster.accounts;
    if (!target) throw new Error('no account');
    const victim = cluster.gateways[3]!;
    const survivors = [0, 1, 2];
    // Only the target's token calls are slow (the victim's call must still be in flight when it dies). The other
    // accounts' tokens live 3 s: with every refresh taking 3 s, their requests' availability would hang on how
    // loaded the machine is (6 of them once failed token_unobtainable in a full storm phase), not on the kill.
    cluster.sandbox.control.setTokenEndpointLatency(3000, { accountId: target.jobberAccountId });
    await waitForNoRefreshLocks(cluster);
    cluster.sandbox.control.resetCounters();
    cluster.tap.reset();
    // Nobody sends the target's requests but us: wait until its token is due, so the victim's request refreshes.
    const stored = await waitFor(async () => {
      const record = await cluster.tokenStore.read(target.ref);
      return record && shouldRefresh({ now: Date.now(), expiresAt: record.accessTokenExpiresAt, issuedAt: record.issuedAt, marginMs: 300_000 }) && record;
    }, 'the target token to be due', 10_000);
    const background = runGatewayStorm(cluster, { durationMs: LOCK_TTL_MS + 12_000, lanes: 60, gateways: survivors, accounts: others });
    // The background storm is bounded by its duration and awaited even if the kill scenario throws.
    const facts = await killRefreshLockHolder(cluster, { target, victim, survivors, stored, lockTtlMs: LOCK_TTL_MS }).finally(() => background);
    const storm = await background;
    await waitForNoRefreshLocks(cluster);
    const counters = cluster.sandbox.control.counters();
    const jobber = cluster.tap.counts();
    const statuses = await readInstallationStatuses(cluster, cluster.gateways[0]!.url);
    process.stdout.write(
      `multiprocess kill: ${JSON.stringify({ ...facts, targetStatus: statuses[target.accountId], sandbox: counters, jobber, others: { requests: storm.requests, failed: storm.failures.length, rps: storm.requestsPerSecond } })}\n`,
    );

    expect(facts.victimExit.signal).toBe('SIGKILL');
    expect(facts.victimAnswer).toBe('no answer');
    expect(facts.takeoverAfterKillMs).not.toBeNull();
    // The dead holder's lock could only be taken once its TTL had run out (it was never renewed after the kill).
    expect(facts.takeoverAfterLockMs).toBeGreaterThanOrEqual(LOCK_TTL_MS - 1000);
    expect(facts.takeoverAfterKillMs).toBeLessThanOrEqual(LOCK_TTL_MS + 5_000);
    expectNoFailureButExpiryInTransit(countFailureReasons(storm.failures), jobber, storm);
    expect(storm.crossTenant).toBe(0);
    for (const other of others) expect(statuses[other.accountId]).toBe('INSTALLED');
    if (counters.invalidGrants === 0) {
      // The killed call never rotated the token at Jobber: a survivor sent it once and the installation lives.
      expect(counters.refreshReuses).toBe(0);
      expect(facts.firstSuccessAfterKillMs).not.toBeNull();
      expect(statuses[target.accountId]).toBe('INSTALLED');
    } else {
      // Honest limit: Jobber rotated on the killed call, whose new pair died with the process. The survivor's one
      // send of the old token is refused; it re-reads, finds it unchanged, and asks for reauthorization.
      expect(counters.refreshReuses).toBe(1);
      expect(statuses[target.accountId]).toBe('REAUTHORIZATION_REQUIRED');
    }
  }, 180_000);

  test('when the storms are over, then no gateway process ever wrote a secret or a token to its output', async () => {
    const cluster = live();
    const tokens = (await Promise.all(cluster.accounts.map((a) => cluster.tokenStore.read(a.ref)))).flatMap((r) => (r ? [r.accessToken, r.refreshToken] : []));
    const needles = [...cluster.secrets(), ...tokens];
    expect(tokens.length).toBeGreaterThan(0);
    for (const gateway of cluster.gateways) {
      const output = gateway.output();
      expect(output.length).toBeGreaterThan(0);
      const leaks = needles.filter((needle) => output.some((line) => line.includes(needle)));
      expect(leaks).toEqual([]);
    }
  }, 30_000);
});
