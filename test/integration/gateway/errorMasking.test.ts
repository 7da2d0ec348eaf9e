import { randomBytes } from 'node:crypto';
import { buildKeyId } from '../../../src/crypto/secretBox';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { startRedisServer, type RedisServerProcess } from '../store/redisServerProcess';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { createTestPartner, type GraphqlAnswer, installAccount, postGraphql, startInstalledGateway, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

/** What no client may ever read: Redis, its address, its commands and errors, store key names, key ids. */
function expectNoInternals(answer: GraphqlAnswer, extra: string[] = []): void {
  for (const secret of ['redis', 'Redis', '127.0.0.1', 'ECONNREFUSED', 'ETIMEDOUT', 'jg:', 'reconnecting', 'within 500 ms', 'get)', 'ioredis', ...extra]) {
    expect(answer.text).not.toContain(secret);
  }
}

describe('client-visible errors when the store fails', () => {
  let redis: RedisServerProcess;
  let store: Store;
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    redis = await startRedisServer();
    store = createRedisStore({ url: redis.url, commandTimeoutMs: 500 });
    ({ gateway, partner } = await startInstalledGateway(['warm'], { store }));
    // Warm the partner key: the requests below get past authentication to the store work itself.
    await postGraphql(gateway.url, { query: '{ connectorSettings { clientId } }' }, partner.headers());
  });
  afterAll(async () => {
    await gateway.close();
    await store.close();
    await redis.kill();
  });

  const portOf = (): string => String(redis.port);
  const requests = (): [string, () => Promise<GraphqlAnswer>][] => [
    ['a local field that reads the store', () => postGraphql(gateway.url, { query: '{ connectorSettings { clientId webhookUrl } }' }, partner.headers())],
    ['a mutation that writes the store', () => postGraphql(gateway.url, { query: 'mutation { updateConnectorSettings(input: { returnUrlOrigins: [] }) { clientSecretSet } }' }, partner.headers())],
    ['an API key the gateway has not cached', () => postGraphql(gateway.url, { query: '{ connectorSettings { clientId } }' }, { authorization: 'Bearer jgp_notcachedkeyxxxxxxxxxxxxxxxxxxxxxxxxxxx' })],
    ['a mixed query (split path)', () => postGraphql(gateway.url, { query: '{ connectorInstallation(accountId: "warm") { status } account { id } }' }, partner.headers('warm'))],
  ];

  test.each([
    ['killed', () => redis.kill()],
    ['frozen', () => redis.freeze()],
  ])('when redis-server is %s, then every client error is the fixed STORE_UNAVAILABLE message with no Redis detail, and the log has the detail', async (_state, breakIt) => {
    if (_state === 'frozen') {
      redis = await startRedisServer({ port: redis.port });
      // Let the client reconnect to the new server before freezing it.
      const deadline = Date.now() + 15_000;
      while ((await fetch(`${gateway.url}/readyz`)).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
    const logsBefore = gateway.logs.length;
    await breakIt();
    try {
      for (const [name, send] of requests()) {
        const linesBefore = gateway.logs.length;
        const answer = await send();
        // Each path (Apollo, the fast path's refusal, the split) logs what it masked, not just one of them.
        expect({ name, logged: gateway.logs.slice(linesBefore).some((line) => line.includes('STORE_UNAVAILABLE')) }).toEqual({ name, logged: true });
        const codes = (answer.body.errors ?? []).map((error) => error.extensions?.code);
        expect({ name, codes }).toEqual({ name, codes: expect.arrayContaining(['STORE_UNAVAILABLE']) });
        for (const error of answer.body.errors ?? []) {
          if (error.extensions?.code !== 'STORE_UNAVAILABLE') continue;
          expect(error.message).toBe('The gateway cannot reach its store right now; retry shortly.');
          expect(Object.keys(error.extensions ?? {})).toEqual(['code']);
        }
        expectNoInternals(answer, [`:${portOf()}`]);
      }
      const logged = gateway.logs.slice(logsBefore).join('\n');
      expect(logged).toMatch(/Redis/);
      expect(logged).toContain('STORE_UNAVAILABLE');
    } finally {
      if (_state === 'frozen') redis.thaw();
    }
  });
});

describe('client-visible errors when a stored secret cannot be decrypted', () => {
  let sandbox: Sandbox;
  let first: TestGateway;
  let second: TestGateway;
  let shared: Store;
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  beforeAll(async () => {
    sandbox = await createSandbox();
    shared = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('mask') });
    first = await startTestGateway({ sandbox, store: shared, encryptionKeys: [oldKey] });
    // The same store read with another key and without the old one (a rotation done wrong).
    second = await startTestGateway({ sandbox, store: shared, encryptionKeys: [newKey], adminKey: first.adminKey });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await shared.close();
    await sandbox.close();
  });

  test('when the gateway meets a secret sealed with a key it lacks, then the client sees INTERNAL_SERVER_ERROR without the key id, and the log names it', async () => {
    const partner = await createTestPartner(first);
    await installAccount(first, partner, 'sealed');
    const answer = await postGraphql(second.url, { query: 'mutation { installConnector(input: { accountId: "other" }) { consentUrl } }' }, partner.headers());
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(answer.body.errors?.[0]?.message).toBe('Internal server error');
    expect(answer.text).not.toContain(buildKeyId(oldKey));
    expect(answer.text).not.toMatch(/decrypt|key id|encryption/i);
    expect(second.logs.join('\n')).toContain(buildKeyId(oldKey));
  });
});
