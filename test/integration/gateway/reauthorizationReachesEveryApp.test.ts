import { randomBytes } from 'node:crypto';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { createTestPartner, installAccount, postGraphql, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

/**
 * Issue 12 item 3, the reauthorization case: when one gateway learns that Jobber refused an installation's
 * refresh token for good, every other gateway on the same Redis refuses its sessions at once. Two apps with
 * their own Redis connections (so their own subscriptions) and a 60 s re-check period, so only the
 * invalidation message can explain a refusal within 2 s. Runs in one process: the multi-process storm
 * (stateChangesReachEveryProcess) proves the channel itself across processes.
 */
describe('when Jobber refuses an installation\'s refresh token in one gateway', () => {
  let sandbox: Sandbox;
  let storeA: Store;
  let storeB: Store;
  let a: TestGateway;
  let b: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    sandbox = await createSandbox();
    const keyPrefix = uniqueKeyPrefix('reauth');
    storeA = createRedisStore({ url: testRedisUrl(), keyPrefix });
    storeB = createRedisStore({ url: testRedisUrl(), keyPrefix });
    const encryptionKeys = [randomBytes(32)];
    a = await startTestGateway({ sandbox, store: storeA, encryptionKeys, config: { cacheRecheckMs: 60_000 } });
    b = await startTestGateway({ sandbox, store: storeB, encryptionKeys, adminKey: a.adminKey, config: { cacheRecheckMs: 60_000 } });
    partner = await createTestPartner(a);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await storeA.close();
    await storeB.close();
    await sandbox.close();
  });

  test('then the other gateway refuses the account\'s sessions within 2 s and the installation needs reauthorization', async () => {
    // Short-lived tokens, so that gateway A has to refresh soon.
    sandbox.control.setTokenLifetime(2);
    await installAccount(a, partner, 'north', { accountName: 'North Co' });
    sandbox.control.setTokenLifetime(3600);
    const created = await postGraphql(a.url, { query: 'mutation { createAccountSession(accountId: "north") { token } }' }, partner.headers());
    const token = (created.body.data?.createAccountSession as { token: string }).token;
    const asSession = (url: string) => postGraphql(url, { query: '{ account { name } }' }, { authorization: `Bearer ${token}` });
    // Both gateways know the session and the installation's standing (cached for 60 s).
    for (const gateway of [a, b]) expect((await asSession(gateway.url)).body.data).toEqual({ account: { name: 'North Co' } });

    // Jobber rotates the grant's refresh token behind the gateways' back: the stored one is dead.
    const installation = await postGraphql(a.url, { query: '{ connectorInstallation(accountId: "north") { jobberAccountId } }' }, partner.headers());
    const jobberAccountId = (installation.body.data?.connectorInstallation as { jobberAccountId: string }).jobberAccountId;
    sandbox.control.issueTokensDirect({ clientId: partner.clientId, accountId: jobberAccountId });
    // Once the access token is due, gateway A tries to refresh and Jobber refuses.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const seenByA = await postGraphql(a.url, { query: '{ account { name } }' }, partner.headers('north'));
    expect(seenByA.body.errors?.[0]?.extensions?.code).toBe('REAUTHORIZATION_REQUIRED');
    const actedAt = Date.now();

    let refusedAfterMs = Number.POSITIVE_INFINITY;
    while (Date.now() - actedAt < 10_000) {
      const answer = await asSession(b.url);
      if (answer.status === 401 && answer.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED') {
        refusedAfterMs = Date.now() - actedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(refusedAfterMs).toBeLessThan(2000);
    const status = await postGraphql(b.url, { query: '{ connectorInstallation(accountId: "north") { status } }' }, partner.headers());
    expect(status.body.data).toEqual({ connectorInstallation: { status: 'REAUTHORIZATION_REQUIRED' } });
  });
});
