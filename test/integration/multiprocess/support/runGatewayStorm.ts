import { postGraphql } from '../../../support/testGateway';
import type { ClusterAccount, GatewayCluster } from './startGatewayCluster';

const ACCOUNT_QUERY = '{ account { id name } }';
const CLIENTS_QUERY = '{ account { id name } clients(first: 3) { nodes { id name } } }';

export interface StormOptions {
  durationMs: number;
  /** Concurrent request loops; default 200. */
  lanes?: number;
  /** Indexes of the gateways to spread over (round robin); default all. */
  gateways?: number[];
  /** Accounts to spread over (round robin); default all. */
  accounts?: ClusterAccount[];
  /** Per-request client timeout (ms); default 60000. */
  requestTimeoutMs?: number;
}

export interface StormFailure {
  atMs: number;
  gateway: number;
  accountId: string;
  reason: string;
}

export interface StormResult {
  requests: number;
  succeeded: number;
  /** Answers without data, with errors, or no answer at all. */
  failures: StormFailure[];
  /** Answers whose account name is another account's: cross-tenant data. Must be 0 always. */
  crossTenant: number;
  byGateway: number[];
  elapsedMs: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/**
 * `lanes` concurrent loops, each sending one request after the other for `durationMs`, round robin over
 * the gateways and the accounts; one in three also asks `clients(first: 3)`. Every answer is checked: data, no errors, and the right account's name.
 */
export async function runGatewayStorm(cluster: GatewayCluster, options: StormOptions): Promise<StormResult> {
  const gatewayIndexes = options.gateways ?? cluster.gateways.map((_, i) => i);
  const accounts = options.accounts ?? cluster.accounts;
  const lanes = options.lanes ?? 200;
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const started = Date.now();
  const stopAt = started + options.durationMs;
  let sequence = 0;
  const result = { requests: 0, succeeded: 0, failures: [] as StormFailure[], crossTenant: 0, byGateway: cluster.gateways.map(() => 0) };
  const latencies: number[] = [];
  const names = new Set(cluster.accounts.map((a) => a.name));

  async function one(): Promise<void> {
    const n = sequence++;
    // Blocks of A requests (one per account) rotate over the gateways: every (gateway, account) pair is hit.
    const account = accounts[n % accounts.length] as ClusterAccount;
    const gateway = gatewayIndexes[Math.floor(n / accounts.length) % gatewayIndexes.length] as number;
    const url = (cluster.gateways[gateway] as { url: string }).url;
    const query = n % 3 === 0 ? CLIENTS_QUERY : ACCOUNT_QUERY;
    const sent = Date.now();
    result.requests++;
    result.byGateway[gateway] = (result.byGateway[gateway] ?? 0) + 1;
    const fail = (reason: string): void => void result.failures.push({ atMs: sent - started, gateway, accountId: account.accountId, reason });
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        postGraphql(url, { query }, cluster.partner.headers(account.accountId)),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))),
      ]);
      latencies.push(Date.now() - sent);
      const name = (answer.body.data?.account as { name?: string } | undefined)?.name;
      if (name !== undefined && name !== account.name && names.has(name)) result.crossTenant++;
      if (answer.status !== 200 || answer.body.errors?.length || !answer.body.data) {
        const error = answer.body.errors?.[0];
        const reason = error?.extensions?.reason === undefined ? '' : ` (${String(error.extensions.reason)})`;
        return fail(`HTTP ${answer.status} ${String(error?.extensions?.code ?? '')}${reason} ${error?.message ?? ''}`.trim());
      }
      if (name !== account.name) return fail(`wrong account name ${JSON.stringify(name)}`);
      if (query === CLIENTS_QUERY && !Array.isArray(answer.body.data.clients?.nodes)) return fail('no clients');
      result.succeeded++;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } })?.cause?.code;
      fail(`${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause})` : ''}`);
    } finally {
      clearTimeout(timer);
    }
  }

  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (Date.now() < stopAt) await one();
    }),
  );
  const elapsedMs = Date.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    ...result,
    elapsedMs,
    requestsPerSecond: Math.round((result.requests * 1000) / elapsedMs),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? 0 },
  };
}

/** Failures grouped by reason, for messages and summaries. */
export function countFailureReasons(failures: StormFailure[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const failure of failures) counts[failure.reason] = (counts[failure.reason] ?? 0) + 1;
  return counts;
}
