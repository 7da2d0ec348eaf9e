import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { deleteKeysWithPrefix } from '../store/deleteKeysWithPrefix';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { waitFor } from '../../support/waitFor';
import { createTestPartner, installAccount, postGraphql, startTestGateway, type GraphqlAnswer, type TestGateway, type TestPartner } from '../../support/testGateway';

const ROTATE = `mutation($grace: Int, $partnerId: ID) {
  rotatePartnerApiKey(graceSeconds: $grace, partnerId: $partnerId) { apiKey key { id current expiresAt createdAt } previousKey { id current expiresAt } }
}`;
const KEYS = '{ partnerApiKeys { id current expiresAt } }';
const bearer = (key: string, accountId?: string): Record<string, string> => ({ authorization: `Bearer ${key}`, ...(accountId ? { 'x-account-id': accountId } : {}) });
const codeOf = (answer: GraphqlAnswer): unknown => answer.body.errors?.[0]?.extensions?.code;

interface Rotated {
  apiKey: string;
  key: { id: string; current: boolean; expiresAt: string | null; createdAt: string };
  previousKey: { id: string; current: boolean; expiresAt: string | null } | null;
}

describe('partner API key lifecycle through GraphQL', () => {
  const keyPrefix = uniqueKeyPrefix('keys');
  let store: Store;
  let redis: Redis;
  let gateway: TestGateway;

  beforeAll(async () => {
    store = createRedisStore({ url: testRedisUrl(), keyPrefix });
    redis = new Redis(testRedisUrl());
    gateway = await startTestGateway({ store });
  });
  afterAll(async () => {
    await gateway.close();
    await store.close();
    await deleteKeysWithPrefix(redis, keyPrefix);
    redis.disconnect();
  });

  const whoAmI = (key: string) => postGraphql(gateway.url, { query: '{ connectorSettings { clientSecretSet } }' }, bearer(key));
  const rotate = async (key: string, grace: number | undefined, partnerId?: string): Promise<Rotated> => {
    const answer = await postGraphql(gateway.url, { query: ROTATE, variables: { grace, partnerId } }, bearer(key));
    if (!answer.body.data) throw new Error(`rotate failed: ${answer.text}`);
    return answer.body.data.rotatePartnerApiKey as Rotated;
  };

  test('when a key is rotated with a grace, then both keys work until the grace ends, then only the new one; keys are stored only as hashes', async () => {
    const partner = await createTestPartner(gateway);
    const rotated = await rotate(partner.apiKey, 2);
    expect(rotated.apiKey).toMatch(/^jgp_/);
    expect(rotated.key).toMatchObject({ current: true, expiresAt: null });
    expect(rotated.previousKey?.current).toBe(false);
    const graceEnds = Date.parse(rotated.previousKey?.expiresAt ?? '');
    expect(graceEnds - Date.now()).toBeGreaterThan(1000);
    expect(graceEnds - Date.now()).toBeLessThanOrEqual(2000);

    expect((await whoAmI(rotated.apiKey)).status).toBe(200);
    expect((await whoAmI(partner.apiKey)).status).toBe(200);
    const keys = await postGraphql(gateway.url, { query: KEYS }, bearer(rotated.apiKey));
    expect(keys.body.data?.partnerApiKeys).toEqual([
      { id: rotated.key.id, current: true, expiresAt: null },
      { id: rotated.previousKey?.id, current: false, expiresAt: rotated.previousKey?.expiresAt },
    ]);

    // The old key's index entry expires with its grace; neither key is stored in the clear.
    const oldHash = createHash('sha256').update(partner.apiKey).digest('hex');
    const ttl = await redis.pttl(`${keyPrefix}jg:partner-key:${oldHash}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2000);
    const everything: string[] = [];
    for (const key of await redis.keys(`${keyPrefix}*`)) {
      const type = await redis.type(key);
      everything.push(key, type === 'string' ? ((await redis.get(key)) ?? '') : JSON.stringify(await redis.zrange(key, 0, -1)));
    }
    const stored = everything.join('\n');
    expect(stored).not.toContain(partner.apiKey.slice(4));
    expect(stored).not.toContain(rotated.apiKey.slice(4));

    const refused = await waitFor(async () => {
      const answer = await whoAmI(partner.apiKey);
      return answer.status === 401 ? answer : undefined;
    }, 'the old key to be refused', 5000);
    expect(Date.now()).toBeGreaterThanOrEqual(graceEnds);
    expect(codeOf(refused)).toBe('UNAUTHENTICATED');
    expect((await whoAmI(rotated.apiKey)).status).toBe(200);
    // Key material never reaches a log line.
    const logs = gateway.logs.join('\n');
    expect(logs).not.toContain(partner.apiKey);
    expect(logs).not.toContain(rotated.apiKey);
  });

  test('when a key is rotated with graceSeconds 0, then the old key is refused at once, even though it was cached', async () => {
    const partner = await createTestPartner(gateway);
    expect((await whoAmI(partner.apiKey)).status).toBe(200);
    const rotated = await rotate(partner.apiKey, 0);
    expect(rotated.previousKey).toBeNull();
    const old = await whoAmI(partner.apiKey);
    expect(old.status).toBe(401);
    expect(codeOf(old)).toBe('UNAUTHENTICATED');
    expect((await whoAmI(rotated.apiKey)).status).toBe(200);
  });

  test('when a partner rotates twice, then it holds at most two keys, and the previous key may neither rotate nor revoke', async () => {
    const partner = await createTestPartner(gateway);
    const second = await rotate(partner.apiKey, 600);
    const third = await rotate(second.apiKey, 600);
    expect((await whoAmI(partner.apiKey)).status).toBe(401); // its grace ended with the second rotation
    expect((await whoAmI(second.apiKey)).status).toBe(200);
    const keys = await postGraphql(gateway.url, { query: KEYS }, bearer(third.apiKey));
    expect((keys.body.data?.partnerApiKeys as { id: string }[]).map((key) => key.id)).toEqual([third.key.id, second.key.id]);

    const byPrevious = await postGraphql(gateway.url, { query: ROTATE, variables: { grace: 0 } }, bearer(second.apiKey));
    expect(codeOf(byPrevious)).toBe('FORBIDDEN');
    const revokeByPrevious = await postGraphql(
      gateway.url,
      { query: 'mutation($id: ID!) { revokePartnerApiKey(keyId: $id) { id } }', variables: { id: second.key.id } },
      bearer(second.apiKey),
    );
    expect(codeOf(revokeByPrevious)).toBe('FORBIDDEN');
    expect((await whoAmI(third.apiKey)).status).toBe(200);
  });

  test('when the previous key is revoked, then it is refused at once; the current key cannot be revoked', async () => {
    const partner = await createTestPartner(gateway);
    const rotated = await rotate(partner.apiKey, 3600);
    expect((await whoAmI(partner.apiKey)).status).toBe(200);
    const revoke = (keyId: string) =>
      postGraphql(gateway.url, { query: 'mutation($id: ID!) { revokePartnerApiKey(keyId: $id) { id current } }', variables: { id: keyId } }, bearer(rotated.apiKey));
    const revoked = await revoke(rotated.previousKey?.id ?? '');
    expect(revoked.body.data?.revokePartnerApiKey).toEqual([{ id: rotated.key.id, current: true }]);
    expect((await whoAmI(partner.apiKey)).status).toBe(401);
    const current = await revoke(rotated.key.id);
    expect(codeOf(current)).toBe('BAD_USER_INPUT');
    expect(current.body.errors?.[0]?.message).toMatch(/rotate/);
    expect(codeOf(await revoke('no-such-key'))).toBe('BAD_USER_INPUT');
  });

  test.each([
    [-1, 'BAD_USER_INPUT'],
    [604_801, 'BAD_USER_INPUT'],
  ])('when graceSeconds is %s, then the rotation is refused with %s and the key is unchanged', async (grace, code) => {
    const partner = await createTestPartner(gateway);
    const answer = await postGraphql(gateway.url, { query: ROTATE, variables: { grace } }, bearer(partner.apiKey));
    expect(codeOf(answer)).toBe(code);
    expect(answer.body.errors?.[0]?.message).toMatch(/0 to 604800/);
    const keys = await postGraphql(gateway.url, { query: KEYS }, bearer(partner.apiKey));
    expect(keys.body.data?.partnerApiKeys).toHaveLength(1);
  });

  test('when a partner was stored before keys were listed, then its key still works, is adopted on use, and rotates with a grace', async () => {
    const legacyKey = `jgp_${'L'.repeat(43)}`;
    const legacyId = '7d1c2b3a-0000-4000-8000-00000000a11c';
    const hash = createHash('sha256').update(legacyKey).digest('hex');
    // Exactly what createPartner wrote before key rotation existed: the record and the key index, no partner index.
    await store.set(`jg:{p:${legacyId}}:partner`, JSON.stringify({ id: legacyId, name: 'Old Partner', createdAt: '2026-01-02T03:04:05.000Z' }));
    await store.set(`jg:partner-key:${hash}`, legacyId);
    expect((await whoAmI(legacyKey)).status).toBe(200);
    const keys = await postGraphql(gateway.url, { query: KEYS }, bearer(legacyKey));
    expect(keys.body.data?.partnerApiKeys).toEqual([{ id: expect.any(String), current: true, expiresAt: null }]);
    const listed = await postGraphql(gateway.url, { query: '{ partners(first: 100) { nodes { id } } }' }, bearer(gateway.adminKey));
    expect((listed.body.data?.partners as { nodes: { id: string }[] }).nodes.map((node) => node.id)).toContain(legacyId);
    const rotated = await rotate(legacyKey, 600);
    expect((await whoAmI(legacyKey)).status).toBe(200);
    expect((await whoAmI(rotated.apiKey)).status).toBe(200);
    expect(rotated.previousKey?.id).toBe((keys.body.data?.partnerApiKeys as { id: string }[])[0]?.id);
  });

  test('when the admin rotates a partner key, then the partner gets a new key and the old one keeps its grace', async () => {
    const partner = await createTestPartner(gateway);
    const rotated = await rotate(gateway.adminKey, 600, partner.partnerId);
    expect((await whoAmI(rotated.apiKey)).status).toBe(200);
    expect((await whoAmI(partner.apiKey)).status).toBe(200);
    const withoutPartner = await postGraphql(gateway.url, { query: ROTATE, variables: { grace: 0 } }, bearer(gateway.adminKey));
    expect(codeOf(withoutPartner)).toBe('BAD_USER_INPUT');
    const other = await createTestPartner(gateway);
    const foreign = await postGraphql(gateway.url, { query: ROTATE, variables: { grace: 0, partnerId: partner.partnerId } }, bearer(other.apiKey));
    expect(codeOf(foreign)).toBe('FORBIDDEN');
    expect((await whoAmI(rotated.apiKey)).status).toBe(200);
  });
});

describe('admin: partners and sessions through GraphQL', () => {
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    gateway = await startTestGateway();
    partner = await createTestPartner(gateway);
    for (const accountId of ['shop-1', 'shop-2']) expect((await installAccount(gateway, partner, accountId)).callbackStatus).toBe(200);
  });
  afterAll(() => gateway.close());

  const createSession = async (accountId: string): Promise<string> => {
    const answer = await postGraphql(gateway.url, { query: `mutation { createAccountSession(accountId: "${accountId}") { token } }` }, partner.headers());
    if (!answer.body.data) throw new Error(`createAccountSession failed: ${answer.text}`);
    return (answer.body.data.createAccountSession as { token: string }).token;
  };
  const askJobber = (token: string) => postGraphql(gateway.url, { query: '{ account { name } }' }, bearer(token));

  test('when the admin lists partners in pages, then each appears once in creation order; others may not list', async () => {
    await createTestPartner(gateway);
    await createTestPartner(gateway);
    const seen: { id: string; disabled: boolean; apiKeys: unknown[] }[] = [];
    let after: string | null = null;
    let total = 0;
    for (let page = 0; page < 10; page++) {
      const answer: GraphqlAnswer = await postGraphql(
        gateway.url,
        {
          query: 'query($after: String) { partners(first: 2, after: $after) { nodes { id name createdAt disabled apiKeys { current } } pageInfo { hasNextPage endCursor } totalCount } }',
          variables: { after },
        },
        bearer(gateway.adminKey),
      );
      const connection = answer.body.data?.partners as { nodes: typeof seen; pageInfo: { hasNextPage: boolean; endCursor: string }; totalCount: number };
      expect(connection.nodes.length).toBeLessThanOrEqual(2);
      seen.push(...connection.nodes);
      total = connection.totalCount;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(total).toBe(3);
    expect(seen.map((node) => node.id)[0]).toBe(partner.partnerId);
    expect(new Set(seen.map((node) => node.id)).size).toBe(3);
    expect(seen.every((node) => node.disabled === false && node.apiKeys.length === 1)).toBe(true);

    const asPartner = await postGraphql(gateway.url, { query: '{ partners { totalCount } }' }, partner.headers());
    expect(codeOf(asPartner)).toBe('FORBIDDEN');
    const anonymous = await postGraphql(gateway.url, { query: '{ partners { totalCount } }' }, {});
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    const badCursor = await postGraphql(gateway.url, { query: '{ partners(after: "nope") { totalCount } }' }, bearer(gateway.adminKey));
    expect(codeOf(badCursor)).toBe('BAD_USER_INPUT');
  });

  test('when the admin disables a partner, then its cached key and its sessions answer 403 at once, and enabling restores both', async () => {
    const session = await createSession('shop-1');
    expect((await askJobber(session)).body.data).toEqual({ account: { name: 'Jobber shop-1' } });
    expect((await askJobber(partner.apiKey)).status).toBe(200); // warm: the key is cached
    const disabled = await postGraphql(gateway.url, { query: `mutation { disablePartner(partnerId: "${partner.partnerId}") { id disabled } }` }, bearer(gateway.adminKey));
    expect(disabled.body.data?.disablePartner).toEqual({ id: partner.partnerId, disabled: true });

    const byKey = await postGraphql(gateway.url, { query: '{ account { name } }' }, partner.headers('shop-1'));
    expect(byKey.status).toBe(403);
    expect(codeOf(byKey)).toBe('FORBIDDEN');
    expect(byKey.body.errors?.[0]?.message).toMatch(/disabled/);
    const bySession = await askJobber(session);
    expect(bySession.status).toBe(403);
    expect(codeOf(bySession)).toBe('FORBIDDEN');

    const enabled = await postGraphql(gateway.url, { query: `mutation { enablePartner(partnerId: "${partner.partnerId}") { disabled } }` }, bearer(gateway.adminKey));
    expect(enabled.body.data?.enablePartner).toEqual({ disabled: false });
    expect((await postGraphql(gateway.url, { query: '{ account { name } }' }, partner.headers('shop-1'))).status).toBe(200);
    expect((await askJobber(session)).status).toBe(200);

    const byPartner = await postGraphql(gateway.url, { query: `mutation { disablePartner(partnerId: "${partner.partnerId}") { id } }` }, partner.headers());
    expect(codeOf(byPartner)).toBe('FORBIDDEN');
    const unknown = await postGraphql(gateway.url, { query: 'mutation { disablePartner(partnerId: "00000000-0000-0000-0000-000000000000") { id } }' }, bearer(gateway.adminKey));
    expect(codeOf(unknown)).toBe('BAD_USER_INPUT');
  });

  test("when an account's sessions are revoked, then its older sessions answer 401, new ones and other accounts' work", async () => {
    const old = await createSession('shop-1');
    const other = await createSession('shop-2');
    expect((await askJobber(old)).status).toBe(200);
    const revoked = await postGraphql(gateway.url, { query: 'mutation { revokeAccountSessions(accountId: "shop-1") }' }, partner.headers());
    expect(revoked.body.data).toEqual({ revokeAccountSessions: true });
    const refused = await askJobber(old);
    expect(refused.status).toBe(401);
    expect(codeOf(refused)).toBe('UNAUTHENTICATED');
    expect(refused.body.errors?.[0]?.message).toMatch(/revoked/);
    expect((await askJobber(await createSession('shop-1'))).status).toBe(200);
    expect((await askJobber(other)).status).toBe(200);
    const notInstalled = await postGraphql(gateway.url, { query: 'mutation { revokeAccountSessions(accountId: "never") }' }, partner.headers());
    expect(codeOf(notInstalled)).toBe('CONNECTOR_NOT_INSTALLED');
    // A session manages nothing: not sessions, not keys.
    const session = await createSession('shop-2');
    for (const query of ['mutation { revokeAccountSessions(accountId: "shop-2") }', 'mutation { rotatePartnerApiKey(graceSeconds: 0) { apiKey } }', '{ partnerApiKeys { id } }']) {
      expect(codeOf(await postGraphql(gateway.url, { query }, bearer(session)))).toBe('FORBIDDEN');
    }
    expect((await askJobber(session)).status).toBe(200);
  });

  test("when a partner's sessions are revoked, then every older session of every account answers 401", async () => {
    const sessions = [await createSession('shop-1'), await createSession('shop-2')];
    for (const session of sessions) expect((await askJobber(session)).status).toBe(200);
    const revoked = await postGraphql(gateway.url, { query: 'mutation { revokePartnerSessions }' }, partner.headers());
    expect(revoked.body.data).toEqual({ revokePartnerSessions: true });
    for (const session of sessions) expect((await askJobber(session)).status).toBe(401);
    expect((await askJobber(await createSession('shop-2'))).status).toBe(200);
    const byAdmin = await postGraphql(gateway.url, { query: `mutation { revokePartnerSessions(partnerId: "${partner.partnerId}") }` }, bearer(gateway.adminKey));
    expect(byAdmin.body.data).toEqual({ revokePartnerSessions: true });
  });

  test('when an account is uninstalled, then its sessions answer 401, and stay refused after a reinstall', async () => {
    const session = await createSession('shop-2');
    expect((await askJobber(session)).status).toBe(200);
    const uninstalled = await postGraphql(gateway.url, { query: 'mutation { uninstallConnector(accountId: "shop-2") { status } }' }, partner.headers());
    expect(uninstalled.body.data).toEqual({ uninstallConnector: { status: 'DISCONNECTED' } });
    const refused = await askJobber(session);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.message).toMatch(/no longer installed/);
    const ownInstallation = await postGraphql(gateway.url, { query: '{ connectorInstallation(accountId: "shop-2") { status } }' }, bearer(session));
    expect(ownInstallation.status).toBe(401);
    expect((await installAccount(gateway, partner, 'shop-2')).callbackStatus).toBe(200);
    expect((await askJobber(session)).status).toBe(401);
    expect((await askJobber(await createSession('shop-2'))).status).toBe(200);
  });
});
