import { buildRefreshLockKey } from '../../../../src/tokens/refreshLock';
import { countFailureReasons, type StormResult } from './runGatewayStorm';
import type { TapCounts } from './startJobberTap';
import { readInstallationStatuses, readTokenVersions, type GatewayCluster } from './startGatewayCluster';

export interface StormReport {
  label: string;
  requests: number;
  requestsPerSecond: number;
  failed: number;
  failureReasons: Record<string, number>;
  crossTenant: number;
  latencyMs: StormResult['latencyMs'];
  byGateway: number[];
  windowMs: number;
  /** Saved refreshes per account in the window (token record version deltas), in account order. */
  refreshesPerAccount: number[];
  /** Most refreshes one account may have had in the window: see `maxRefreshesIn`. */
  maxRefreshesPerAccount: number;
  /** Whole token lifetimes in the window: the "expiries that happened" a reader would expect. */
  lifetimesInWindow: number;
  sandbox: { refreshes: number; tokenCalls: number; refreshReuses: number; invalidGrants: number };
  /** Jobber's GraphQL 401s as the tap saw them. */
  jobber: TapCounts;
  statuses: Record<string, string>;
  storm: StormResult;
}

/**
 * The sandbox's JWT `exp` is whole seconds, so a token's life as the gateway sees it is between L-1 and L
 * seconds, and it is due when a tenth of that is left: no token can be due sooner than 0.9 (L-1) s after
 * it was issued. Refreshes in a window are therefore at most floor(window / that) + 1 (the +1: a token
 * already due when the window opened).
 */
export function maxRefreshesIn(windowMs: number, tokenLifetimeSeconds: number): number {
  return Math.floor(windowMs / (0.9 * (tokenLifetimeSeconds - 1) * 1000)) + 1;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 50));
  }
  return true;
}

/** Waits (bounded) until no process holds any account's refresh lock, so no refresh is half done. */
export function waitForNoRefreshLocks(cluster: GatewayCluster, timeoutMs = 30_000): Promise<boolean> {
  return waitUntil(async () => {
    const held = await cluster.store.mget(cluster.accounts.map((a) => buildRefreshLockKey(a.ref)));
    return held.every((value) => value === null);
  }, timeoutMs);
}

/** Runs one storm and measures it: sandbox counters (reset first), refreshes per account, statuses. */
export async function measureStorm(
  cluster: GatewayCluster,
  label: string,
  tokenLifetimeSeconds: number,
  run: () => Promise<StormResult>,
): Promise<StormReport> {
  cluster.sandbox.control.resetCounters();
  cluster.tap.reset();
  const before = await readTokenVersions(cluster);
  const opened = Date.now();
  const storm = await run();
  await waitForNoRefreshLocks(cluster);
  const windowMs = Date.now() - opened;
  const after = await readTokenVersions(cluster);
  const counters = cluster.sandbox.control.counters();
  const report: StormReport = {
    label,
    requests: storm.requests,
    requestsPerSecond: storm.requestsPerSecond,
    failed: storm.failures.length,
    failureReasons: countFailureReasons(storm.failures),
    crossTenant: storm.crossTenant,
    latencyMs: storm.latencyMs,
    byGateway: storm.byGateway,
    windowMs,
    refreshesPerAccount: cluster.accounts.map((a) => (after[a.accountId] ?? 0) - (before[a.accountId] ?? 0)),
    maxRefreshesPerAccount: maxRefreshesIn(windowMs, tokenLifetimeSeconds),
    lifetimesInWindow: Math.floor(windowMs / (tokenLifetimeSeconds * 1000)),
    sandbox: { refreshes: counters.refreshes, tokenCalls: counters.tokenCalls, refreshReuses: counters.refreshReuses, invalidGrants: counters.invalidGrants },
    jobber: cluster.tap.counts(),
    statuses: await readInstallationStatuses(cluster, cluster.gateways[0]!.url),
    storm,
  };
  const { storm: _omitted, ...line } = report;
  process.stdout.write(`multiprocess storm: ${JSON.stringify(line)}\n`);
  return report;
}
