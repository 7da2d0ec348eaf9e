import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createCallbackRouter } from '../../../src/connector/callbackRouter';
import { createRedisStore } from '../../../src/store/redisStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { approveConsent } from '../../../src/sandbox/approveConsent';
import { newPartnerId, registerApp, startConnectorFixture, type ConnectorFixture } from './support/connectorFixture';

let fx: ConnectorFixture;
let app: { clientId: string; clientSecret: string };
let partnerId: string;

beforeAll(async () => {
  fx = await startConnectorFixture();
  app = registerApp(fx);
  partnerId = newPartnerId();
  await fx.service.updateSettings(partnerId, app);
});
afterAll(async () => {
  await fx.close();
});

/** The sandbox's token endpoint counters: a bad path must not move them. */
function tokenCounters(): { exchanges: number; tokenCalls: number } {
  const { exchanges, tokenCalls } = fx.sandbox.control.counters();
  return { exchanges, tokenCalls };
}

test('when the user denies consent, then the callback answers a 400 page and nothing is exchanged', async () => {
  const started = await fx.service.install(partnerId, { accountId: 'denied-1' });
  const before = tokenCounters();
  const { location } = await approveConsent(started.consentUrl, { deny: true });
  expect(location).toBe(fx.callbackUrl);
  const answer = await fx.get(location);
  expect(answer.status).toBe(400);
  expect(answer.body).toContain('<h1>Jobber was not connected</h1>');
  expect(tokenCounters()).toEqual(before);
  expect((await fx.service.getInstallation({ partnerId, accountId: 'denied-1' }))?.status).toBe('PENDING');
});

test('when an install starts from Jobber\u2019s Marketplace (a code without state), then a 400 page says to start from the partner\u2019s product', async () => {
  const marketplaceUrl = `${fx.sandbox.url}/api/oauth/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: fx.callbackUrl,
  }).toString()}`;
  const before = tokenCounters();
  const { location } = await approveConsent(marketplaceUrl, { accountName: 'Marketplace Co' });
  expect(new URL(location).searchParams.has('code')).toBe(true);
  expect(new URL(location).searchParams.has('state')).toBe(false);
  const answer = await fx.get(location);
  expect(answer.status).toBe(400);
  expect(answer.body).toContain('start this connection from the partner');
  expect(tokenCounters()).toEqual(before);
});

test.each([
  ['an unknown state', () => `state=${randomBytes(32).toString('base64url')}&code=abc`],
  ['a state of the wrong shape', () => 'state=short&code=abc'],
  ['a state without a code', () => `state=${randomBytes(32).toString('base64url')}`],
  ['repeated parameters', () => 'state=a&state=b&code=c'],
])('when the callback carries %s, then it answers 400 and nothing is exchanged', async (_label, query) => {
  const before = tokenCounters();
  const answer = await fx.get(`${fx.callbackUrl}?${query()}`);
  expect(answer.status).toBe(400);
  expect(answer.body).toMatch(/<html lang="en">[\s\S]*<title>[\s\S]*<h1>/);
  expect(tokenCounters()).toEqual(before);
});

test('when a completed callback URL is replayed, then the reused state answers 400 and nothing more is exchanged', async () => {
  const started = await fx.service.install(partnerId, { accountId: 'replay-1' });
  const { location } = await approveConsent(started.consentUrl, { accountName: 'Replay Co' });
  expect((await fx.get(location)).status).toBe(200);
  const before = tokenCounters();
  const replay = await fx.get(location);
  expect(replay.status).toBe(400);
  expect(replay.body).toContain('expired or was already used');
  expect(tokenCounters()).toEqual(before);
});

test('when two callbacks race with one state, then exactly one exchanges the code', async () => {
  const started = await fx.service.install(partnerId, { accountId: 'race-1' });
  const { location } = await approveConsent(started.consentUrl, { accountName: 'Race Co' });
  const before = tokenCounters();
  const answers = await Promise.all([fx.get(location), fx.get(location), fx.get(location)]);
  expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400]);
  expect(tokenCounters()).toEqual({ exchanges: before.exchanges + 1, tokenCalls: before.tokenCalls + 1 });
});

test('when the state has expired, then the callback refuses it and nothing is exchanged', async () => {
  let now = Date.now();
  const timeTravelling = fx.buildService({ clock: { now: () => now } });
  const started = await timeTravelling.install(partnerId, { accountId: 'expired-1' });
  const { location } = await approveConsent(started.consentUrl, { accountName: 'Late Co' });
  now += 10 * 60_000 + 1;
  const before = tokenCounters();
  const query = Object.fromEntries(new URL(location).searchParams);
  expect(await timeTravelling.handleCallback(query)).toEqual({ kind: 'invalid_state' });
  expect(tokenCounters()).toEqual(before);
});

test('when the account is uninstalled while its consent page is open, then the later callback is refused and nothing is exchanged', async () => {
  const started = await fx.service.install(partnerId, { accountId: 'voided-1' });
  await fx.service.uninstall({ partnerId, accountId: 'voided-1' });
  const { location } = await approveConsent(started.consentUrl, { accountName: 'Voided Co' });
  const before = tokenCounters();
  expect((await fx.get(location)).status).toBe(400);
  expect(tokenCounters()).toEqual(before);
  expect((await fx.service.getInstallation({ partnerId, accountId: 'voided-1' }))?.status).toBe('DISCONNECTED');
});

test('when an account is uninstalled and installed again at once, then only the newer consent completes', async () => {
  const older = await fx.service.install(partnerId, { accountId: 'again-1' });
  await fx.service.uninstall({ partnerId, accountId: 'again-1' });
  const newer = await fx.service.install(partnerId, { accountId: 'again-1' });
  const olderLocation = (await approveConsent(older.consentUrl, { accountName: 'Again Co' })).location;
  const newerLocation = (await approveConsent(newer.consentUrl, { accountName: 'Again Co' })).location;
  const before = tokenCounters();
  expect((await fx.get(olderLocation)).status).toBe(400);
  expect(tokenCounters()).toEqual(before);
  expect((await fx.get(newerLocation)).status).toBe(200);
  expect((await fx.service.getInstallation({ partnerId, accountId: 'again-1' }))?.status).toBe('INSTALLED');
});

test.each([
  ['answers 500', 'status500' as const, 'could not be reached'],
  ['refuses the code', 'wrong-secret' as const, 'Client Secret may be wrong'],
])('when the token endpoint %s, then a clear 502 page is shown and the installation is unchanged', async (_label, failure, phrase) => {
  const accountId = `tokenfail-${failure}`;
  const credentials = failure === 'wrong-secret' ? { clientId: app.clientId, clientSecret: 'not-the-secret' } : {};
  const started = await fx.service.install(partnerId, { accountId, ...credentials });
  const { location } = await approveConsent(started.consentUrl, { accountName: 'Failing Co' });
  if (failure === 'status500') fx.sandbox.control.setTokenEndpointFailure({ mode: 'status500', count: 1 });
  const before = fx.sandbox.control.counters().exchanges;
  const answer = await fx.get(location);
  expect(answer.status).toBe(502);
  expect(answer.body).toContain(phrase);
  expect(fx.sandbox.control.counters().exchanges).toBe(before);
  const installation = await fx.service.getInstallation({ partnerId, accountId });
  expect(installation).toMatchObject({ status: 'PENDING', jobberAccountId: null, installedAt: null });
  expect(await fx.tokenStore.read({ partnerId, accountId })).toBeNull();
  expect(fx.answers.join('\n')).not.toContain('not-the-secret');
  expect(fx.logs.join('\n')).not.toContain('not-the-secret');
});

test('when Jobber answers the account query with an error, then a 502 page is shown and the installation is unchanged', async () => {
  const started = await fx.service.install(partnerId, { accountId: 'lookup-1' });
  const { location } = await approveConsent(started.consentUrl, { accountName: 'Lookup Co' });
  fx.sandbox.control.setGraphqlFailure({ status: 503, count: 1 });
  const answer = await fx.get(location);
  expect(answer.status).toBe(502);
  expect(answer.body).toContain('could not be read');
  expect(await fx.service.getInstallation({ partnerId, accountId: 'lookup-1' })).toMatchObject({ status: 'PENDING', jobberAccountId: null });
  expect(await fx.tokenStore.read({ partnerId, accountId: 'lookup-1' })).toBeNull();
});

test('when the store is unreachable, then the callback answers a 503 page instead of crashing', async () => {
  const unreachable = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('closed') });
  await unreachable.close();
  const router = createCallbackRouter(fx.buildService({ store: unreachable }));
  const server = express().use(router).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const answer = await fx.get(`http://127.0.0.1:${port}/connector/callback?code=a&state=${randomBytes(32).toString('base64url')}`);
  expect(answer.status).toBe(503);
  expect(answer.body).toContain('temporarily unavailable');
  expect(fx.logs.some((line) => line.includes('connector callback failed') && line.includes('STORE_UNAVAILABLE'))).toBe(true);
  await new Promise((resolve) => server.close(resolve));
});
