import { buildInstallationKey } from '../../../../src/core/installationRef';
import { fingerprintRefreshToken } from '../../../../src/tokens/refreshOutcome';
import { buildRefreshLockKey } from '../../../../src/tokens/refreshLock';
import type { TokenRecord } from '../../../../src/tokens/tokenStore';
import type { GatewayExit, GatewayProcess } from '../../../support/gatewayProcess';
import { postGraphql } from '../../../support/testGateway';
import type { ClusterAccount, GatewayCluster } from './startGatewayCluster';
import { waitFor } from '../../../support/waitFor';

export interface KillFacts {
  victimExit: GatewayExit;
  /** What the victim's own request got: 'no answer' when it died with the process. */
  victimAnswer: string;
  killAfterLockMs: number;
  /** When a process other than the victim held the target's lock (ms after the kill / after the victim's lock was seen). */
  takeoverAfterKillMs: number | null;
  takeoverAfterLockMs: number | null;
  firstSuccessAfterKillMs: number | null;
  targetFailures: number;
  targetFailureCodes: string[];
  targetVersion: { before: number; after: number | null };
}


/**
 * Sends the target account's request (its token due) to `victim` only; once the victim holds the target's
 * refresh lock and has claimed the refresh token, waits a second (the token endpoint is slow: the call is in
 * flight) and SIGKILLs it. Then asks the survivors for the target until one answers with data, bounded by
 * lock TTL + 25 s, and watches the lock key for a new owner.
 */
export async function killRefreshLockHolder(
  cluster: GatewayCluster,
  options: { target: ClusterAccount; victim: GatewayProcess; survivors: number[]; stored: TokenRecord; lockTtlMs: number },
): Promise<KillFacts> {
  const { target, victim, survivors, stored, lockTtlMs } = options;
  const ask = (url: string) => postGraphql(url, { query: '{ account { name } }' }, cluster.partner.headers(target.accountId));
  const victimAnswer = ask(victim.url).then(
    (answer) => `HTTP ${answer.status}`,
    () => 'no answer',
  );
  const lockKey = buildRefreshLockKey(target.ref);
  const victimOwner = await waitFor(() => cluster.store.get(lockKey), 'the victim to take the lock', 10_000);
  const lockSeenAt = Date.now();
  const claimKey = buildInstallationKey(target.ref, `refresh-claim:${fingerprintRefreshToken(stored.refreshToken)}`);
  await waitFor(() => cluster.store.get(claimKey), 'the victim to claim the refresh token', 10_000);
  await new Promise((done) => setTimeout(done, 1000));
  const victimExit = await victim.kill('SIGKILL');
  const killedAt = Date.now();

  let firstSuccessAt: number | null = null;
  const targetFailures: string[] = [];
  const takeover = waitFor(
    async () => {
      const owner = await cluster.store.get(lockKey);
      return owner !== null && owner !== victimOwner ? Date.now() : null;
    },
    'another process to take the lock',
    lockTtlMs + 15_000,
  ).catch(() => null);
  while (firstSuccessAt === null && Date.now() < killedAt + lockTtlMs + 25_000) {
    const answers = await Promise.all(survivors.map((g) => ask((cluster.gateways[g] as GatewayProcess).url)));
    for (const answer of answers) {
      if (answer.body.data?.account?.name === target.name) firstSuccessAt ??= Date.now();
      else targetFailures.push(`${answer.body.errors?.[0]?.extensions?.code ?? answer.status}`);
    }
    // A refused installation will not recover by asking again.
    if (answers.some((a) => a.body.errors?.[0]?.extensions?.code === 'REAUTHORIZATION_REQUIRED')) break;
  }
  const takeoverAt = await takeover;
  const finalRecord = await cluster.tokenStore.read(target.ref);
  return {
    victimExit,
    victimAnswer: await victimAnswer,
    killAfterLockMs: killedAt - lockSeenAt,
    takeoverAfterKillMs: takeoverAt === null ? null : takeoverAt - killedAt,
    takeoverAfterLockMs: takeoverAt === null ? null : takeoverAt - lockSeenAt,
    firstSuccessAfterKillMs: firstSuccessAt === null ? null : firstSuccessAt - killedAt,
    targetFailures: targetFailures.length,
    targetFailureCodes: [...new Set(targetFailures)],
    targetVersion: { before: stored.version, after: finalRecord?.version ?? null },
  };
}
