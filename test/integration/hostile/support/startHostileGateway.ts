import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { approveConsent } from '../../../../src/sandbox/approveConsent';
import { createSandbox, type Sandbox } from '../../../../src/sandbox/sandbox';
import { findFreePort, startGatewayProcess, type GatewayProcess } from '../../../support/gatewayProcess';
import { createTestPartner, installAccount, postGraphql, type TestGateway, type TestPartner } from '../../../support/testGateway';
import { startRedisServer, type RedisServerProcess } from '../../store/redisServerProcess';

/** Everything the hostile cases aim at, made through the gateway's own API before the first case. */
export interface HostileContext {
  /** The gateway process's URL (also its PUBLIC_URL). */
  url: string;
  adminKey: string;
  /** Has `installed` installed; its app's client secret signs Jobber webhooks. */
  partner: TestPartner;
  installed: { accountId: string; jobberAccountId: string; installedAt: number };
  /** Another partner with nothing installed. */
  other: TestPartner;
  /** A partner used only to pass its request budget. */
  flooding: TestPartner;
  /** A disabled partner's key. */
  disabledKey: string;
  /** partner's live account session for `installed`. */
  sessionToken: string;
  /** A session of an account whose sessions were revoked. */
  revokedSessionToken: string;
  /** A session whose 1 s lifetime is over. */
  expiredSessionToken: string;
  /** `/connector/callback?code=…&state=…` of an install that completed: its state was used. */
  usedCallbackPath: string;
  /** A state issued by installConnector whose record expired in Redis. */
  expiredState: string;
}

export interface HostileGateway {
  context: HostileContext;
  gateway: GatewayProcess;
  sandbox: Sandbox;
  /** The test's own connection to the gateway's private Redis. */
  redis: Redis;
  close(): Promise<void>;
}

/** The gateway's budgets in the suite: low enough for a case to pass them on purpose, high enough that the other cases never meet them. */
export const SUITE_BUDGETS = {
  PARTNER_REQUESTS_PER_SECOND: '20',
  PARTNER_REQUEST_BURST: '40',
  UNAUTHENTICATED_REQUESTS_PER_SECOND: '50',
  UNAUTHENTICATED_REQUEST_BURST: '100',
};

async function graphqlData(url: string, query: string, headers: Record<string, string>, variables?: Record<string, unknown>): Promise<Record<string, any>> {
  const answer = await postGraphql(url, { query, ...(variables ? { variables } : {}) }, headers);
  if (!answer.body.data || answer.body.errors) throw new Error(`setup request failed: ${answer.text}`);
  return answer.body.data;
}

/**
 * A private redis-server (every key in it is the gateway's), a sandbox in this process, and one real
 * gateway process (src/main.ts) with the default limits and SUITE_BUDGETS; then, through the gateway's
 * API as a partner and the admin would: partners, installs, sessions, a used and an expired OAuth state.
 */
export async function startHostileGateway(): Promise<HostileGateway> {
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const redisServer: RedisServerProcess = await startRedisServer();
    closers.push(() => redisServer.kill());
    const sandbox = await createSandbox({ requestLimit: { max: 1e9, windowMs: 300_000 }, bucket: { maximumAvailable: 1e9, restoreRate: 1e9 } });
    closers.push(() => sandbox.close());
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    const adminKey = randomBytes(24).toString('base64url');
    const gateway = await startGatewayProcess({
      env: {
        PORT: String(port),
        PUBLIC_URL: url,
        REDIS_URL: redisServer.url,
        GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        ADMIN_API_KEY: adminKey,
        JOBBER_BASE_URL: sandbox.url,
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false',
        ...SUITE_BUDGETS,
      },
    });
    closers.push(() => gateway.stop());
    const redis = new Redis(redisServer.url);
    closers.push(() => redis.quit());

    const first = { url, sandbox, adminKey } as TestGateway;
    const partner = await createTestPartner(first);
    const install = async (accountId: string) => {
      const done = await installAccount(first, partner, accountId, { accountName: `Hostile ${accountId}` });
      if (done.callbackStatus !== 200) throw new Error(`install of ${accountId} answered ${done.callbackStatus}`);
    };
    await install('victim');
    const view = await graphqlData(url, '{ connectorInstallation(accountId: "victim") { jobberAccountId } }', partner.headers());
    const installed = { accountId: 'victim', jobberAccountId: view.connectorInstallation.jobberAccountId as string, installedAt: Date.now() };
    const other = await createTestPartner(first, { configure: false });
    const flooding = await createTestPartner(first, { configure: false });
    const disabled = await createTestPartner(first, { configure: false });
    await graphqlData(url, 'mutation($id: ID!) { disablePartner(partnerId: $id) { id disabled } }', { authorization: `Bearer ${adminKey}` }, { id: disabled.partnerId });

    const session = async (accountId: string, ttlSeconds: number) =>
      (await graphqlData(url, 'mutation($a: ID!, $t: Int) { createAccountSession(accountId: $a, ttlSeconds: $t) { token } }', partner.headers(), { a: accountId, t: ttlSeconds })).createAccountSession.token as string;
    const sessionToken = await session('victim', 3600);
    await install('revoked');
    const revokedSessionToken = await session('revoked', 3600);
    await graphqlData(url, 'mutation { revokeAccountSessions(accountId: "revoked") }', partner.headers());
    const expiredSessionToken = await session('victim', 1);

    const consent = async (accountId: string) =>
      (await graphqlData(url, 'mutation($a: ID!) { installConnector(input: { accountId: $a }) { consentUrl state } }', partner.headers(), { a: accountId })).installConnector as { consentUrl: string; state: string };
    const used = await consent('used-state');
    const { location } = await approveConsent(used.consentUrl, { accountName: 'Hostile used-state' });
    const completed = await fetch(location, { redirect: 'manual' });
    await completed.text();
    if (completed.status !== 200) throw new Error(`the used-state install answered ${completed.status}`);
    const callback = new URL(location);
    const expired = await consent('expired-state');
    // What Redis does when the state's 10-minute TTL runs out, without the wait.
    await redis.pexpire(`jg:oauth-state:${expired.state}`, 1);

    // The 1 s session is over by now (the store's TTL removed it).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    return {
      context: {
        url,
        adminKey,
        partner,
        installed,
        other,
        flooding,
        disabledKey: disabled.apiKey,
        sessionToken,
        revokedSessionToken,
        expiredSessionToken,
        usedCallbackPath: `${callback.pathname}${callback.search}`,
        expiredState: expired.state,
      },
      gateway,
      sandbox,
      redis,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
