import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../../../../src/crypto/secretBox';
import type { InstallationRef } from '../../../../src/core/installationRef';
import { createSandbox, type Sandbox } from '../../../../src/sandbox/sandbox';
import { createRedisStore } from '../../../../src/store/redisStore';
import type { Store } from '../../../../src/store/store';
import { createTokenStore, type TokenStore } from '../../../../src/tokens/tokenStore';
import { findFreePort, startGatewayProcess, type GatewayProcess } from '../../../support/gatewayProcess';
import { createTestPartner, installAccount, postGraphql, type TestGateway, type TestPartner } from '../../../support/testGateway';
import { startRedisServer, type RedisServerProcess } from '../../store/redisServerProcess';
import { startJobberTap, type JobberTap } from './startJobberTap';

export interface ClusterAccount {
  /** The partner's account id (x-account-id). */
  accountId: string;
  /** The name typed on the consent page: the only right answer to `{ account { name } }`. */
  name: string;
  /** The sandbox's id of the Jobber account. */
  jobberAccountId: string;
  ref: InstallationRef;
  /** When its first token pair was stored (ms). */
  installedAt: number;
}

export interface GatewayCluster {
  sandbox: Sandbox;
  /** The gateways' JOBBER_BASE_URL: a pass-through in front of the sandbox that classifies 401s. */
  tap: JobberTap;
  redis: RedisServerProcess;
  gateways: GatewayProcess[];
  partner: TestPartner;
  accounts: ClusterAccount[];
  /** The test's own view of the gateways' store (same Redis, same encryption key). */
  store: Store;
  tokenStore: TokenStore;
  /** Secrets that must never appear in any gateway's output. */
  secrets(): string[];
  close(): Promise<void>;
}

export interface GatewayClusterOptions {
  processes: number;
  accounts: number;
  tokenLifetimeSeconds: number;
  /** Extra gateway env (JOBBER_TIMEOUT_MS, …). */
  env?: Record<string, string>;
}

/**
 * A private redis-server, a sandbox in this process, `processes` real gateway processes sharing that Redis
 * and one GATEWAY_ENCRYPTION_KEY, all with PUBLIC_URL = the first one's URL (so every OAuth callback works),
 * one partner made with the admin key and `accounts` installations made through the real consent flow.
 * On any failure on the way, everything started so far is stopped.
 */
export async function startGatewayCluster(options: GatewayClusterOptions): Promise<GatewayCluster> {
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    closers.length = 0;
  };
  try {
    const redis = await startRedisServer();
    closers.push(() => redis.kill());
    const sandbox = await createSandbox({
      tokenLifetimeSeconds: options.tokenLifetimeSeconds,
      // The storm is about tokens and tenancy: Jobber's request and cost limits would only add noise.
      requestLimit: { max: 1e9, windowMs: 300_000 },
      bucket: { maximumAvailable: 1e9, restoreRate: 1e9 },
    });
    closers.push(() => sandbox.close());
    const tap = await startJobberTap(sandbox.url);
    closers.push(() => tap.close());
    const encryptionKey = randomBytes(32);
    const adminKey = randomBytes(24).toString('base64url');
    const firstPort = await findFreePort();
    const publicUrl = `http://127.0.0.1:${firstPort}`;
    const env = {
      REDIS_URL: redis.url,
      GATEWAY_ENCRYPTION_KEY: encryptionKey.toString('base64'),
      ADMIN_API_KEY: adminKey,
      PUBLIC_URL: publicUrl,
      JOBBER_BASE_URL: tap.url,
      // Refresh when a tenth of the token's life is left (DESIGN.md): the margin is never the smaller one.
      TOKEN_REFRESH_MARGIN_MS: '300000',
      // The storms drive one partner as fast as the machine allows, on purpose: no per-partner budget.
      PARTNER_REQUESTS_PER_SECOND: '0',
      ...options.env,
    };
    const gateways: GatewayProcess[] = [];
    const starting = Array.from({ length: options.processes }, (_, i) =>
      startGatewayProcess({ env: { ...env, ...(i === 0 ? { PORT: String(firstPort) } : {}) } }).then((gateway) => {
        gateways[i] = gateway;
        closers.push(() => gateway.stop());
        return gateway;
      }),
    );
    const settled = await Promise.allSettled(starting);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;

    const store = createRedisStore({ url: redis.url });
    closers.push(() => store.close());
    const tokenStore = createTokenStore({ store, secretBox: createSecretBox({ keys: [encryptionKey] }), clock: { now: () => Date.now() } });

    // The helpers of testGateway.ts need only the URL the partner talks to, the sandbox and the admin key.
    const first = { url: publicUrl, sandbox, adminKey } as TestGateway;
    const partner = await createTestPartner(first);
    const accounts: ClusterAccount[] = [];
    for (let i = 0; i < options.accounts; i++) {
      const accountId = `storm-${i}`;
      const name = `Storm Account ${i}`;
      const installed = await installAccount(first, partner, accountId, { accountName: name });
      if (installed.callbackStatus !== 200) throw new Error(`install of ${accountId} answered ${installed.callbackStatus}`);
      const installedAt = Date.now();
      const view = await postGraphql(publicUrl, { query: `{ connectorInstallation(accountId: "${accountId}") { status jobberAccountId } }` }, partner.headers());
      const installation = view.body.data?.connectorInstallation as { status: string; jobberAccountId: string } | undefined;
      if (installation?.status !== 'INSTALLED') throw new Error(`install of ${accountId} did not finish: ${view.text}`);
      accounts.push({ accountId, name, jobberAccountId: installation.jobberAccountId, ref: { partnerId: partner.partnerId, accountId }, installedAt });
    }

    return {
      sandbox,
      tap,
      redis,
      gateways,
      partner,
      accounts,
      store,
      tokenStore,
      secrets: () => [adminKey, partner.apiKey, partner.clientSecret, encryptionKey.toString('base64')],
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Each installation's status as the partner sees it, by account id. */
export async function readInstallationStatuses(cluster: GatewayCluster, gatewayUrl: string): Promise<Record<string, string>> {
  const answer = await postGraphql(gatewayUrl, { query: '{ connectorInstallations(first: 100) { nodes { accountId status } } }' }, cluster.partner.headers());
  const nodes = answer.body.data?.connectorInstallations?.nodes as { accountId: string; status: string }[] | undefined;
  if (!nodes) throw new Error(`connectorInstallations failed: ${answer.text}`);
  return Object.fromEntries(nodes.map((node) => [node.accountId, node.status]));
}

/** The stored version of each account's token record (one more per saved refresh), by account id; -1 = gone. */
export async function readTokenVersions(cluster: GatewayCluster): Promise<Record<string, number>> {
  const entries = await Promise.all(cluster.accounts.map(async (a) => [a.accountId, (await cluster.tokenStore.read(a.ref))?.version ?? -1] as const));
  return Object.fromEntries(entries);
}
