import { approveConsent } from '../../../src/sandbox/approveConsent';
import { newPartnerId, registerApp, startConnectorFixture, type ConnectorFixture } from './support/connectorFixture';

let fx: ConnectorFixture;
const secrets: string[] = [];

beforeAll(async () => {
  fx = await startConnectorFixture();
});
afterAll(async () => {
  await fx.close();
});

/** Runs `{ account { id name } }` at the sandbox with the installation's current access token. */
async function queryJobber(partnerId: string, accountId: string): Promise<{ status: number; body: string }> {
  const token = await fx.refresher.getAccessToken({ partnerId, accountId });
  if (!token.ok) return { status: 0, body: token.reason };
  const response = await fetch(`${fx.sandbox.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token.accessToken}`, 'x-jobber-graphql-version': '2025-04-16' },
    body: JSON.stringify({ query: '{ account { id name } }' }),
  });
  return { status: response.status, body: await response.text() };
}

describe.each([
  ['the connector settings', 'settings' as const],
  ['the install input', 'install' as const],
])('when the credentials come from %s', (_label, source) => {
  test('then settings, install, consent, callback, a Jobber query, uninstall and a refused query all work', async () => {
    const partnerId = newPartnerId();
    const accountId = `acct-${source}`;
    const app = registerApp(fx);
    secrets.push(app.clientSecret);
    const settings = fx.seen(
      await fx.service.updateSettings(partnerId, {
        ...(source === 'settings' ? app : {}),
        returnUrlOrigins: ['http://localhost:3999/'],
      }),
    );
    expect(settings).toEqual({
      clientId: source === 'settings' ? app.clientId : null,
      clientSecretSet: source === 'settings',
      callbackUrl: fx.callbackUrl,
      apiVersion: '2025-04-16',
      webhookUrl: null,
      returnUrlOrigins: ['http://localhost:3999'],
    });

    const before = fx.sandbox.control.counters().exchanges;
    const started = fx.seen(
      await fx.service.install(partnerId, {
        accountId,
        returnUrl: 'http://localhost:3999/jobber/done?tab=1',
        ...(source === 'install' ? app : {}),
      }),
    );
    const consent = new URL(started.consentUrl);
    expect(consent.searchParams.get('client_id')).toBe(app.clientId);
    expect(consent.searchParams.get('redirect_uri')).toBe(fx.callbackUrl);
    expect(consent.searchParams.get('state')).toBe(started.state);
    expect(started.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.expiresAt.getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    expect((await fx.service.getInstallation({ partnerId, accountId }))?.status).toBe('PENDING');

    const { location } = await approveConsent(started.consentUrl, { accountName: `Plumbing ${source}` });
    expect(location.startsWith(`${fx.callbackUrl}?`)).toBe(true);
    const callback = await fx.get(location);
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`http://localhost:3999/jobber/done?tab=1&status=installed&accountId=${accountId}`);
    expect(fx.sandbox.control.counters().exchanges).toBe(before + 1);

    const installed = fx.seen(await fx.service.getInstallation({ partnerId, accountId }));
    expect(installed).toMatchObject({ accountId, status: 'INSTALLED', jobberAccountName: `Plumbing ${source}`, lastError: null });
    expect(installed?.jobberAccountId).toEqual(expect.any(String));
    expect(installed?.installedAt).toBeInstanceOf(Date);
    expect(installed?.accessTokenExpiresAt?.getTime()).toBeGreaterThan(Date.now());
    expect(fx.events).toContainEqual({ kind: 'gateway', type: 'installation.installed', ref: { partnerId, accountId }, jobberAccountId: installed?.jobberAccountId });

    // The credentials the installation was installed with refresh its tokens and verify its webhooks.
    expect(await fx.credentials.getCredentials({ partnerId, accountId })).toEqual(app);
    expect(await fx.refresher.refreshNow({ partnerId, accountId })).toBe('refreshed');
    const found = await fx.service.findInstallationsByJobberAccountId(installed?.jobberAccountId as string);
    expect(found).toEqual([{ ref: { partnerId, accountId }, clientSecret: app.clientSecret, installedAt: expect.any(Number) }]);

    const query = await queryJobber(partnerId, accountId);
    expect(query.status).toBe(200);
    expect(JSON.parse(query.body).data.account).toEqual({ id: installed?.jobberAccountId, name: `Plumbing ${source}` });
    const tokenBeforeUninstall = await fx.tokenStore.read({ partnerId, accountId });

    const uninstalled = fx.seen(await fx.service.uninstall({ partnerId, accountId }));
    expect(uninstalled).toMatchObject({ accountId, status: 'DISCONNECTED', accessTokenExpiresAt: null });
    expect(fx.events).toContainEqual(expect.objectContaining({ type: 'installation.disconnected', ref: { partnerId, accountId } }));
    expect(await fx.tokenStore.read({ partnerId, accountId })).toBeNull();
    expect(await queryJobber(partnerId, accountId)).toEqual({ status: 0, body: 'not_installed' });
    // appDisconnect reached Jobber: the old token is dead there too.
    const stale = await fetch(`${fx.sandbox.url}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenBeforeUninstall?.accessToken}`, 'x-jobber-graphql-version': '2025-04-16' },
      body: JSON.stringify({ query: '{ account { id } }' }),
    });
    expect(stale.status).toBe(401);
    expect(await stale.text()).toContain('disconnected');
  });
});

test('when an installed account is installed again, then its old tokens serve until the new consent completes', async () => {
  const partnerId = newPartnerId();
  const accountId = 'reinstall-1';
  const app = registerApp(fx);
  secrets.push(app.clientSecret);
  await fx.service.updateSettings(partnerId, app);
  const first = await fx.service.install(partnerId, { accountId });
  const callback = await fx.get((await approveConsent(first.consentUrl, { accountName: 'Reinstall Co' })).location);
  expect(callback.status).toBe(200);
  expect(callback.body).toContain('Reinstall Co');
  const oldTokens = await fx.tokenStore.read({ partnerId, accountId });

  const second = await fx.service.install(partnerId, { accountId });
  expect((await fx.service.getInstallation({ partnerId, accountId }))?.status).toBe('INSTALLED');
  expect((await fx.tokenStore.read({ partnerId, accountId }))?.accessToken).toBe(oldTokens?.accessToken);

  // The new consent fails at the token endpoint: still installed, still the old tokens.
  fx.sandbox.control.setTokenEndpointFailure({ mode: 'status500', count: 1 });
  const failed = await fx.get((await approveConsent(second.consentUrl, { accountName: 'Reinstall Co' })).location);
  expect(failed.status).toBe(502);
  expect((await fx.service.getInstallation({ partnerId, accountId }))?.status).toBe('INSTALLED');
  expect((await fx.tokenStore.read({ partnerId, accountId }))?.accessToken).toBe(oldTokens?.accessToken);

  const third = await fx.service.install(partnerId, { accountId });
  const done = await fx.get((await approveConsent(third.consentUrl, { accountName: 'Reinstall Co' })).location);
  expect(done.status).toBe(200);
  const newTokens = await fx.tokenStore.read({ partnerId, accountId });
  expect(newTokens?.accessToken).not.toBe(oldTokens?.accessToken);
  expect((await fx.service.getInstallation({ partnerId, accountId }))?.status).toBe('INSTALLED');
});

test('when every answer and log line is searched, then no client secret or token appears', () => {
  expect(fx.issuedTokens.length).toBeGreaterThanOrEqual(8);
  expect(secrets.length).toBe(3);
  expect(fx.logs.length).toBeGreaterThan(0);
  expect(fx.answers.length).toBeGreaterThan(0);
  const haystack = [...fx.logs, ...fx.answers].join('\n');
  for (const needle of [...secrets, ...fx.issuedTokens]) expect(haystack.includes(needle)).toBe(false);
});
