import { approveConsent } from '../../../src/sandbox/approveConsent';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { JobberMessage } from '../../../src/jobber/jobberMessages';
import { APP, authorizeUrl, postToken, refreshForm } from './sandboxRequests';

describe('sandbox OAuth', () => {
  let sandbox: Sandbox;
  let nowMs = Date.now();
  const clock = { now: () => nowMs };

  beforeAll(async () => {
    sandbox = await createSandbox({ apps: [APP], clock });
    console.log(`sandbox schema built in ${sandbox.schemaLoadMs} ms`);
  });
  afterAll(() => sandbox.close());
  beforeEach(() => {
    nowMs = Date.now();
    sandbox.control.setRotation(true);
    sandbox.control.setTokenEndpointFailure({ mode: 'none' });
    sandbox.control.resetCounters();
  });

  const consentUrl = (extra: Record<string, string> = { state: 'st-123' }) =>
    authorizeUrl(sandbox.url, { response_type: 'code', client_id: APP.clientId, redirect_uri: APP.redirectUri, ...extra });
  const codeFrom = (location: string) => new URL(location).searchParams.get('code') ?? '';
  const exchange = (code: string, redirectUri = APP.redirectUri) =>
    postToken(sandbox.url, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: APP.clientId, client_secret: APP.clientSecret });
  const install = async (accountName = `Acct ${Math.random()}`) => {
    const { location } = await approveConsent(consentUrl(), { accountName });
    return (await exchange(codeFrom(location))).body;
  };

  test('when the user allows on the consent page, then the callback gets code and state and the code exchanges for a JWT and a refresh token', async () => {
    const { location } = await approveConsent(consentUrl(), { accountName: 'Green Lawns Ltd' });
    const target = new URL(location);
    expect(`${target.origin}${target.pathname}`).toBe(APP.redirectUri);
    expect(target.searchParams.get('state')).toBe('st-123');
    const { status, body } = await exchange(codeFrom(location));
    expect(status).toBe(200);
    const payload = JSON.parse(Buffer.from(body.access_token!.split('.')[1]!, 'base64url').toString('utf8'));
    expect(payload.app_id).toBe(APP.clientId);
    expect(payload.exp - payload.iat).toBe(3600);
    expect(typeof payload.sub).toBe('string');
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(sandbox.control.counters().exchanges).toBe(1);
  });

  test('when the user picks an existing account, then the tokens belong to that account', async () => {
    const account = sandbox.control.createAccount({ name: 'Picked Account' });
    const { location } = await approveConsent(consentUrl(), { accountId: account.id });
    const { body } = await exchange(codeFrom(location));
    const payload = JSON.parse(Buffer.from(body.access_token!.split('.')[1]!, 'base64url').toString('utf8'));
    expect(payload.sub).toBe(account.id);
  });

  test('when the user denies, then the callback is reached with no parameters at all', async () => {
    const { location } = await approveConsent(consentUrl(), { deny: true });
    expect(location).toBe(APP.redirectUri);
  });

  test('when the install starts without state (Marketplace), then the callback gets a code and no state', async () => {
    const { location } = await approveConsent(consentUrl({}), { accountName: 'Marketplace' });
    const params = new URL(location).searchParams;
    expect(params.get('code')).toBeTruthy();
    expect(params.has('state')).toBe(false);
  });

  test.each([
    ['an unregistered redirect_uri', { redirect_uri: 'http://evil.example/cb' }],
    ['an unknown client_id', { client_id: 'nobody' }],
    ['response_type other than code', { response_type: 'token' }],
  ])('when authorize is called with %s, then it answers 400 and redirects nowhere', async (_name, override) => {
    const response = await fetch(consentUrl(override as Record<string, string>), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    await response.text();
  });

  test('when a code is used twice, then the second exchange is refused with invalid_grant', async () => {
    const { location } = await approveConsent(consentUrl(), { accountName: 'Twice' });
    expect((await exchange(codeFrom(location))).status).toBe(200);
    const second = await exchange(codeFrom(location));
    expect(second.status).toBe(401);
    expect(second.body.error).toBe('invalid_grant');
  });

  test('when the redirect_uri of the exchange differs, then the code is refused', async () => {
    const { location } = await approveConsent(consentUrl(), { accountName: 'Other redirect' });
    const result = await exchange(codeFrom(location), 'http://127.0.0.1:1/other');
    expect(result).toMatchObject({ status: 401, body: { error: 'invalid_grant' } });
  });

  test('when a code is older than 10 minutes, then it is refused', async () => {
    const { location } = await approveConsent(consentUrl(), { accountName: 'Slow' });
    nowMs += 11 * 60_000;
    expect((await exchange(codeFrom(location))).status).toBe(401);
  });

  test('when the token request is JSON, then it answers 400 invalid_request', async () => {
    const result = await postToken(sandbox.url, refreshForm('x'), 'application/json');
    expect(result).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  test('when the client secret is wrong, then it answers 401 invalid_client', async () => {
    const result = await postToken(sandbox.url, { ...refreshForm('x'), client_secret: 'wrong' });
    expect(result).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  test('when a refresh token is used, then it rotates, and reusing the old one is refused and counted', async () => {
    const tokens = await install();
    const first = await postToken(sandbox.url, refreshForm(tokens.refresh_token!));
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(first.body.expires_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    const reuse = await postToken(sandbox.url, refreshForm(tokens.refresh_token!));
    expect(reuse).toEqual({ status: 401, body: { error: 'invalid_grant', message: JobberMessage.INVALID_REFRESH_TOKEN } });
    expect(sandbox.control.counters()).toMatchObject({ refreshes: 1, refreshReuses: 1, invalidGrants: 1 });
    const payload = JSON.parse(Buffer.from(tokens.access_token!.split('.')[1]!, 'base64url').toString('utf8'));
    expect(sandbox.control.liveRefreshToken({ clientId: APP.clientId, accountId: payload.sub })).toBe(first.body.refresh_token);
  });

  test('when two refreshes race with the same refresh token, then exactly one wins and the other is a counted reuse', async () => {
    const tokens = await install();
    const [a, b] = await Promise.all([
      postToken(sandbox.url, refreshForm(tokens.refresh_token!)),
      postToken(sandbox.url, refreshForm(tokens.refresh_token!)),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 401]);
    expect(sandbox.control.counters()).toMatchObject({ refreshes: 1, refreshReuses: 1 });
  });

  test('when rotation is off, then the same refresh token keeps working and the answer carries a warning', async () => {
    sandbox.control.setRotation(false);
    const tokens = await install();
    const first = await postToken(sandbox.url, refreshForm(tokens.refresh_token!));
    const second = await postToken(sandbox.url, refreshForm(tokens.refresh_token!));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).toBe(tokens.refresh_token);
    expect(second.body.warning).toEqual(expect.any(String));
    expect(sandbox.control.counters().refreshReuses).toBe(0);
  });

  test('when the token endpoint is set to fail once with 500, then the refresh token survives for the next call', async () => {
    const tokens = await install();
    sandbox.control.setTokenEndpointFailure({ mode: 'status500', count: 1 });
    expect((await postToken(sandbox.url, refreshForm(tokens.refresh_token!))).status).toBe(500);
    expect((await postToken(sandbox.url, refreshForm(tokens.refresh_token!))).status).toBe(200);
  });

  test('when the token endpoint is set to fail every 2nd call, then calls alternate', async () => {
    sandbox.control.setTokenEndpointFailure({ mode: 'status500', everyNth: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postToken(sandbox.url, refreshForm('nope'))).status);
    expect(statuses).toEqual([401, 500, 401, 500]);
  });

  test('when the token endpoint is slowed for one account, then only that account\'s refresh waits', async () => {
    const [slow, quick] = [sandbox.control.createAccount({ name: 'Slow Ltd' }), sandbox.control.createAccount({ name: 'Quick Ltd' })];
    const installed = async (accountId: string) => (await exchange(codeFrom((await approveConsent(consentUrl(), { accountId })).location))).body;
    const [slowTokens, quickTokens] = [await installed(slow.id), await installed(quick.id)];
    sandbox.control.setTokenEndpointLatency(3000, { accountId: slow.id });
    try {
      const startedAt = Date.now();
      let slowAnswered = false;
      const slowCall = postToken(sandbox.url, refreshForm(slowTokens.refresh_token!)).then((answer) => ((slowAnswered = true), answer));
      const quickCall = await postToken(sandbox.url, refreshForm(quickTokens.refresh_token!));
      expect(quickCall.status).toBe(200);
      expect(slowAnswered).toBe(false);
      expect((await slowCall).status).toBe(200);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2900);
    } finally {
      sandbox.control.setTokenEndpointLatency(0);
    }
  });

  test('when the caller hangs up during the token endpoint\'s latency, then its refresh token is not spent', async () => {
    const tokens = await install();
    sandbox.control.setTokenEndpointLatency(600);
    try {
      const abandoned = fetch(`${sandbox.url}/api/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(refreshForm(tokens.refresh_token!)).toString(),
        signal: AbortSignal.timeout(150),
      });
      await expect(abandoned).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(sandbox.control.counters().refreshes).toBe(0);
    } finally {
      sandbox.control.setTokenEndpointLatency(0);
    }
    expect((await postToken(sandbox.url, refreshForm(tokens.refresh_token!))).status).toBe(200);
    expect(sandbox.control.counters()).toMatchObject({ refreshes: 1, refreshReuses: 0, invalidGrants: 0 });
  });

  test('when the token endpoint is set to time out, then the call never answers and close() still ends it', async () => {
    sandbox.control.setTokenEndpointFailure({ mode: 'timeout', count: 1 });
    const call = fetch(`${sandbox.url}/api/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(refreshForm('x')).toString(),
      signal: AbortSignal.timeout(300),
    });
    await expect(call).rejects.toThrow();
  });
});
