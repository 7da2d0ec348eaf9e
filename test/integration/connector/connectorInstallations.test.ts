import { Redis } from 'ioredis';
import { approveConsent } from '../../../src/sandbox/approveConsent';
import { isGatewayError } from '../../../src/errors/gatewayError';
import { testRedisUrl } from '../../support/redisUrl';
import { newPartnerId, registerApp, startConnectorFixture, type ConnectorFixture } from './support/connectorFixture';

let fx: ConnectorFixture;
const secrets: string[] = [];

beforeAll(async () => {
  fx = await startConnectorFixture();
});
afterAll(async () => {
  await fx.close();
});

/** The GatewayError code a call rejects with (and checks the message never carries `secret`). */
async function codeOf(call: Promise<unknown>, secret?: string): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    if (secret) expect(`${error.message} ${JSON.stringify(error.extensions)}`).not.toContain(secret);
    return error.code;
  }
  throw new Error('expected a GatewayError');
}

/** A full install through the sandbox's consent form; `jobberAccount` picks an existing Jobber account. */
async function installThroughConsent(partnerId: string, accountId: string, jobberAccount: { id?: string; name?: string } = {}) {
  const started = await fx.service.install(partnerId, { accountId });
  const { location } = await approveConsent(started.consentUrl, jobberAccount.id ? { accountId: jobberAccount.id } : { accountName: jobberAccount.name ?? accountId });
  expect((await fx.get(location)).status).toBe(200);
  return fx.service.getInstallation({ partnerId, accountId });
}

test('when a partner has never saved settings, then the settings show the callback URL and nothing else', async () => {
  expect(fx.seen(await fx.service.getSettings(newPartnerId()))).toEqual({
    clientId: null,
    clientSecretSet: false,
    callbackUrl: fx.callbackUrl,
    apiVersion: '2025-04-16',
    webhookUrl: null,
    returnUrlOrigins: [],
  });
});

test('when settings are updated field by field, then omitted fields stay, null clears, and the secret is sealed at rest', async () => {
  const partnerId = newPartnerId();
  const secret = `secret-settings-${'s'.repeat(20)}`;
  secrets.push(secret);
  await fx.service.updateSettings(partnerId, { clientId: 'cid-1', clientSecret: secret });
  await fx.service.updateSettings(partnerId, { webhookUrl: 'https://hooks.example.com/jobber', returnUrlOrigins: ['https://App.example.com'] });
  expect(fx.seen(await fx.service.getSettings(partnerId))).toMatchObject({
    clientId: 'cid-1',
    clientSecretSet: true,
    webhookUrl: 'https://hooks.example.com/jobber',
    returnUrlOrigins: ['https://app.example.com'],
  });
  const { buildSettingsKey } = await import('../../../src/connector/connectorSettingsStore');
  expect(await fx.store.get(buildSettingsKey(partnerId))).not.toContain(secret);
  expect(fx.seen(await fx.service.updateSettings(partnerId, { clientSecret: null, webhookUrl: '' }))).toMatchObject({
    clientId: 'cid-1',
    clientSecretSet: false,
    webhookUrl: null,
  });
  expect(await codeOf(fx.service.install(partnerId, { accountId: 'a1' }))).toBe('CONNECTOR_NOT_CONFIGURED');
});

test.each([
  ['an http origin that is not localhost', { returnUrlOrigins: ['http://app.example.com'] }],
  ['an origin with a path', { returnUrlOrigins: ['https://app.example.com/cb'] }],
  ['an http webhook URL', { webhookUrl: 'http://hooks.example.com' }],
  ['a client secret with spaces', { clientSecret: 'bad secret with spaces-zzzz' }],
])('when settings carry %s, then BAD_USER_INPUT and nothing is saved', async (_label, input) => {
  const partnerId = newPartnerId();
  expect(await codeOf(fx.service.updateSettings(partnerId, input), 'bad secret with spaces-zzzz')).toBe('BAD_USER_INPUT');
  expect((await fx.service.getSettings(partnerId)).clientSecretSet).toBe(false);
});

test.each([
  ['an invalid account id', 'BAD_USER_INPUT', { accountId: 'no spaces allowed' }],
  ['an account id over 128 characters', 'BAD_USER_INPUT', { accountId: 'a'.repeat(129) }],
  ['a client id without its secret', 'BAD_USER_INPUT', { accountId: 'a1', clientId: 'cid-only' }],
  ['a return URL on another origin', 'BAD_USER_INPUT', { accountId: 'a1', returnUrl: 'https://evil.example.net/x' }],
  ['a relative return URL', 'BAD_USER_INPUT', { accountId: 'a1', returnUrl: '/done' }],
])('when an install carries %s, then it is refused with %s and no installation appears', async (_label, code, input) => {
  const partnerId = newPartnerId();
  await fx.service.updateSettings(partnerId, { clientId: 'cid', clientSecret: 'csecret', returnUrlOrigins: ['https://app.example.com'] });
  expect(await codeOf(fx.service.install(partnerId, input))).toBe(code);
  expect((await fx.service.listInstallations(partnerId, {})).totalCount).toBe(0);
});

test('when a partner has no settings and gives no credentials, then install is CONNECTOR_NOT_CONFIGURED', async () => {
  expect(await codeOf(fx.service.install(newPartnerId(), { accountId: 'a1' }))).toBe('CONNECTOR_NOT_CONFIGURED');
});

test('when an unknown account is read or uninstalled, then null and CONNECTOR_NOT_INSTALLED', async () => {
  const partnerId = newPartnerId();
  expect(await fx.service.getInstallation({ partnerId, accountId: 'ghost' })).toBeNull();
  expect(await codeOf(fx.service.uninstall({ partnerId, accountId: 'ghost' }))).toBe('CONNECTOR_NOT_INSTALLED');
});

test('when installations are listed, then pages follow account-id order, the cursor resumes, and status filters', async () => {
  const partnerId = newPartnerId();
  await fx.service.updateSettings(partnerId, { clientId: 'cid', clientSecret: 'csecret' });
  const ids = ['e-5', 'a-1', 'c-3', 'b-2', 'd-4'];
  for (const accountId of ids) await fx.service.install(partnerId, { accountId });
  for (const accountId of ['b-2', 'd-4']) await fx.service.markDisconnected({ partnerId, accountId }, 'test');

  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 5; page += 1) {
    const result: Awaited<ReturnType<typeof fx.service.listInstallations>> = fx.seen(await fx.service.listInstallations(partnerId, { first: 2, after }));
    expect(result.totalCount).toBe(5);
    seen.push(...result.nodes.map((node) => node.accountId));
    if (!result.pageInfo.hasNextPage) break;
    after = result.pageInfo.endCursor;
  }
  expect(seen).toEqual([...ids].sort());

  const disconnected = await fx.service.listInstallations(partnerId, { status: 'DISCONNECTED' });
  expect(disconnected.nodes.map((node) => node.accountId)).toEqual(['b-2', 'd-4']);
  expect(disconnected.nodes[0]?.lastError).toBe('test');
  expect((await fx.service.listInstallations(partnerId, { status: 'PENDING' })).totalCount).toBe(3);
  expect(await codeOf(fx.service.listInstallations(partnerId, { first: 101 }))).toBe('BAD_USER_INPUT');
  expect(await codeOf(fx.service.listInstallations(partnerId, { after: 'not a cursor' }))).toBe('BAD_USER_INPUT');
});

test('when the refresh token is refused for good, then the installation needs reauthorization and the partner hears it once', async () => {
  const partnerId = newPartnerId();
  const app = registerApp(fx);
  secrets.push(app.clientSecret);
  await fx.service.updateSettings(partnerId, app);
  await installThroughConsent(partnerId, 'reauth-1');
  const ref = { partnerId, accountId: 'reauth-1' };
  await fx.markReauthorizationRequired(ref, 'Jobber refused the refresh token');
  await fx.markReauthorizationRequired(ref, 'Jobber refused the refresh token');
  expect(await fx.service.getInstallation(ref)).toMatchObject({ status: 'REAUTHORIZATION_REQUIRED', lastError: 'Jobber refused the refresh token' });
  expect(fx.events.filter((event) => event.kind === 'gateway' && event.type === 'installation.reauthorization_required' && event.ref.partnerId === partnerId)).toHaveLength(1);

  // Installing again is the way out: back to INSTALLED, error cleared.
  expect(await installThroughConsent(partnerId, 'reauth-1', { name: 'reauth-1' })).toMatchObject({ status: 'INSTALLED', lastError: null });

  await fx.service.markDisconnected(ref, 'APP_DISCONNECT');
  expect(await fx.service.getInstallation(ref)).toMatchObject({ status: 'DISCONNECTED', lastError: 'APP_DISCONNECT' });
  expect(await fx.tokenStore.read(ref)).toBeNull();
  expect(fx.events.filter((event) => event.kind === 'gateway' && event.type === 'installation.disconnected' && event.ref.partnerId === partnerId)).toHaveLength(1);
});

test('when two partners\u2019 apps are installed in one Jobber account, then the webhook lookup returns both with their own secrets', async () => {
  const jobberAccount = fx.sandbox.control.createAccount({ name: 'Shared Jobber Account' });
  const found: Array<{ partnerId: string; clientSecret: string }> = [];
  for (const source of ['settings', 'install'] as const) {
    const partnerId = newPartnerId();
    const app = registerApp(fx);
    secrets.push(app.clientSecret);
    if (source === 'settings') await fx.service.updateSettings(partnerId, app);
    const started = await fx.service.install(partnerId, { accountId: 'shared', ...(source === 'install' ? app : {}) });
    const { location } = await approveConsent(started.consentUrl, { accountId: jobberAccount.id });
    expect((await fx.get(location)).status).toBe(200);
    found.push({ partnerId, clientSecret: app.clientSecret });
  }
  const candidates = await fx.service.findInstallationsByJobberAccountId(jobberAccount.id);
  expect(candidates.map((c) => ({ partnerId: c.ref.partnerId, clientSecret: c.clientSecret })).sort((a, b) => a.partnerId.localeCompare(b.partnerId))).toEqual(
    found.sort((a, b) => a.partnerId.localeCompare(b.partnerId)),
  );
  expect(await fx.service.findInstallationsByJobberAccountId('unknown-jobber-account')).toEqual([]);
});

test('when every value at rest, answer and log line is searched, then no client secret or token appears', async () => {
  const redis = new Redis(testRedisUrl());
  const atRest: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${fx.keyPrefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'string') atRest.push((await redis.get(key)) ?? '');
        if (type === 'zset') atRest.push(...(await redis.zrange(key, 0, -1)));
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  expect(atRest.length).toBeGreaterThan(10);
  expect(fx.issuedTokens.length).toBeGreaterThanOrEqual(6);
  expect(secrets.length).toBeGreaterThanOrEqual(4);
  const haystack = [...atRest, ...fx.logs, ...fx.answers].join('\n');
  for (const needle of [...secrets, ...fx.issuedTokens]) expect(haystack.includes(needle)).toBe(false);
});
