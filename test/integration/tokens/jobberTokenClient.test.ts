import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../../src/core/deps';
import { createJobberTokenClient, parseRetryAfter } from '../../../src/tokens/jobberTokenClient';
import { buildJwt, startFakeTokenEndpoint, type FakeTokenEndpoint } from './support/startFakeTokenEndpoint';

const credentials = { clientId: 'client-id', clientSecret: 'client-SECRET-123' };

describe('createJobberTokenClient', () => {
  let endpoint: FakeTokenEndpoint;
  beforeEach(async () => {
    endpoint = await startFakeTokenEndpoint({ lifetimeMs: 3_600_000 });
  });
  afterEach(() => endpoint.close());

  const client = (timeoutMs = 5000) => createJobberTokenClient({ fetch, baseUrl: endpoint.baseUrl, timeoutMs, clock: systemClock });

  test('when a code is exchanged, then a form with the grant, code, redirect and client credentials is posted and the pair returned', async () => {
    const result = await client().exchangeCode({ ...credentials, code: 'good-code', redirectUri: 'https://gw.example/connector/callback' });
    expect(endpoint.requests[0]).toEqual({
      grant_type: 'authorization_code',
      client_id: 'client-id',
      client_secret: 'client-SECRET-123',
      code: 'good-code',
      redirect_uri: 'https://gw.example/connector/callback',
    });
    if (!result.ok) throw new Error(`expected ok, got ${result.kind}`);
    expect(result.tokens.refreshToken).toMatch(/^rt_/);
    // The fake's JWT exp is now + 1 h; it must win over the 60-minute default only by being read, so check closeness.
    expect(Math.abs(result.tokens.accessTokenExpiresAt - (Date.now() + 3_600_000))).toBeLessThan(5_000);
  });

  test('when a refresh succeeds, then the new pair is returned and the old refresh token is dead', async () => {
    const pair = endpoint.issue();
    const result = await client().refresh({ ...credentials, refreshToken: pair.refreshToken });
    expect(endpoint.requests[0]).toEqual({ grant_type: 'refresh_token', ...{ client_id: 'client-id', client_secret: 'client-SECRET-123' }, refresh_token: pair.refreshToken });
    if (!result.ok) throw new Error('expected ok');
    expect(result.tokens.refreshToken).not.toBe(pair.refreshToken);
    expect(await client().refresh({ ...credentials, refreshToken: pair.refreshToken })).toEqual({ ok: false, kind: 'invalid_grant', status: 401 });
  });

  test('when rotation is off, then the result has no refresh token', async () => {
    endpoint.set({ rotate: false });
    const result = await client().refresh({ ...credentials, refreshToken: endpoint.issue().refreshToken });
    expect(result.ok && result.tokens.refreshToken).toBeUndefined();
  });

  test.each([[500], [502], [503]])('when the endpoint answers %i, then the result is transient with that status', async (status) => {
    endpoint.set({ failNext: 1, failStatus: status });
    const result = await client().refresh({ ...credentials, refreshToken: endpoint.issue().refreshToken });
    expect(result).toEqual({ ok: false, kind: 'transient', status, message: `token endpoint answered HTTP ${status}` });
  });

  test('when the endpoint answers 429 with Retry-After, then the result is transient with retryAfterMs', async () => {
    endpoint.set({ failNext: 1, failStatus: 429, retryAfterSeconds: 7 });
    const result = await client().refresh({ ...credentials, refreshToken: endpoint.issue().refreshToken });
    expect(result).toMatchObject({ ok: false, kind: 'transient', status: 429, retryAfterMs: 7000 });
  });

  test('when the endpoint answers 400, then the result is invalid_grant', async () => {
    endpoint.set({ failNext: 1, failStatus: 400 });
    expect(await client().refresh({ ...credentials, refreshToken: 'x' })).toEqual({ ok: false, kind: 'invalid_grant', status: 400 });
  });

  test('when the endpoint is slower than the timeout, then the result is transient and names the timeout, not the token', async () => {
    endpoint.set({ latencyMs: 1000 });
    const pair = endpoint.issue();
    const result = await client(100).refresh({ ...credentials, refreshToken: pair.refreshToken });
    expect(result).toEqual({ ok: false, kind: 'transient', message: 'token endpoint timed out after 100 ms' });
    expect(JSON.stringify(result)).not.toContain(pair.refreshToken);
  });

  test('when nothing listens, then the result is transient without secrets', async () => {
    const baseUrl = endpoint.baseUrl;
    await endpoint.close();
    endpoint = await startFakeTokenEndpoint();
    const result = await createJobberTokenClient({ fetch, baseUrl, timeoutMs: 2000, clock: systemClock }).refresh({ ...credentials, refreshToken: 'rt_secret' });
    expect(result).toEqual({ ok: false, kind: 'transient', message: 'token endpoint unreachable' });
  });

  test('when a 200 carries expires_at and an opaque token, then the expiry comes from expires_at and the warning is kept', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'opaque', refresh_token: 'rt2', expires_at: '2030-04-09 21:04:31 UTC', warning: 'rotate soon' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await createJobberTokenClient({ fetch, baseUrl, timeoutMs: 2000, clock: systemClock }).refresh({ ...credentials, refreshToken: 'rt1' });
      expect(result).toEqual({ ok: true, tokens: { accessToken: 'opaque', refreshToken: 'rt2', accessTokenExpiresAt: Date.parse('2030-04-09T21:04:31Z'), warning: 'rotate soon' } });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('when a 200 has no access_token, then the result is transient', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ refresh_token: buildJwt({}) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const result = await createJobberTokenClient({ fetch, baseUrl, timeoutMs: 2000, clock: systemClock }).refresh({ ...credentials, refreshToken: 'rt1' });
      expect(result).toMatchObject({ ok: false, kind: 'transient', status: 200 });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');
  test.each([
    ['3', 3000],
    ['0', 0],
    ['Mon, 01 Jan 2024 00:00:10 GMT', 10_000],
    ['Sun, 31 Dec 2023 23:59:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('when Retry-After is %p, then the wait is %p ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
