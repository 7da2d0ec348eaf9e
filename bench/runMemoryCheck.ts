import type { BenchReport } from './benchReport';
import { assertAnswers, installMany, type BenchPartner, type SandboxChild } from './benchSetup';
import type { BenchChild } from './childProcess';
import type { GatewayReady } from './gatewayWorker';
import { runLoad, type LoadTarget } from './loadPhases';
import type { ProcessStats } from './measureInSlices';

// The memory check is about the gateway's state per account; a light query keeps the sandbox from limiting it.
const LIGHT_QUERY = 'query BenchLight($id: EncodedId!) { client(id: $id) { id } }';
const lightBody = (i: number) => JSON.stringify({ query: LIGHT_QUERY, variables: { id: `bench-${i}` } });

/**
 * The memory check: `accounts` more accounts installed, then `requests` spread over them in two halves;
 * the gateway's RSS and heap after each half, as they are and after a full GC (leak against garbage not
 * collected yet).
 */
export async function runMemoryCheck(
  sandbox: SandboxChild,
  gateway: BenchChild<GatewayReady>,
  partner: BenchPartner,
  options: { accounts: number; requests: number; connections: number; log(line: string): void },
): Promise<BenchReport['memory']> {
  const { accounts, requests, connections, log } = options;
  log(`memory: installing ${accounts} accounts`);
  await installMany(sandbox, gateway, partner, accounts);
  const spread: LoadTarget = {
    url: `${gateway.ready.url}/graphql`,
    headers: partner.headers(),
    headersFor: (i) => ({ 'x-account-id': `acct-${i % accounts}` }),
    body: lightBody,
  };
  await assertAnswers(spread);
  log(`memory: ${requests / 2} requests over ${accounts} accounts`);
  const first = await runLoad(spread, { connections, amount: requests / 2 });
  const atHalf = await gateway.call<ProcessStats>('stats');
  const atHalfCollected = await gateway.call<ProcessStats>('stats', { gc: true });
  log(`memory: ${requests / 2} more`);
  const second = await runLoad(spread, { connections, amount: requests / 2 });
  const atEnd = await gateway.call<ProcessStats>('stats');
  const atEndCollected = await gateway.call<ProcessStats>('stats', { gc: true });
  return {
    accounts,
    requests: first.requests + second.requests,
    failures: first.failures + second.failures,
    rssAt50kMb: atHalf.rss / 1e6,
    rssAt100kMb: atEnd.rss / 1e6,
    collected: {
      rssAt50kMb: atHalfCollected.rss / 1e6,
      rssAt100kMb: atEndCollected.rss / 1e6,
      heapAt50kMb: atHalfCollected.heapUsed / 1e6,
      heapAt100kMb: atEndCollected.heapUsed / 1e6,
      heapTotalAt100kMb: (atEndCollected.heapTotal ?? NaN) / 1e6,
      externalAt100kMb: (atEndCollected.external ?? NaN) / 1e6,
    },
    reqPerSec: (first.reqPerSec + second.reqPerSec) / 2,
  };
}
