import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../../src/core/deps';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { createJobberTokenClient } from '../../../src/tokens/jobberTokenClient';
import { createTestPartner, installAccount, postGraphql, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

const SETTINGS = 'mutation($input: ConnectorSettingsInput!) { updateConnectorSettings(input: $input) { clientSecretSet } }';

describe('a token endpoint refusal that is about the client', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  afterAll(() => sandbox.close());

  test('when the sandbox gets a refresh with a wrong client secret, then it answers 401 invalid_client and the refresh token stays live (the client is checked first)', async () => {
    sandbox.control.registerApp({ clientId: 'app-cc', clientSecret: 'right-secret', redirectUri: 'http://127.0.0.1/cb' });
    const account = sandbox.control.createAccount({ name: 'Client Check Co' });
    const target = { clientId: 'app-cc', accountId: account.id };
    const pair = sandbox.control.issueTokensDirect(target);
    const client = createJobberTokenClient({ fetch, baseUrl: sandbox.url, timeoutMs: 5000, clock: systemClock });
    const refused = await client.refresh({ clientId: 'app-cc', clientSecret: 'wrong-secret', refreshToken: pair.refresh_token });
    expect(refused).toEqual({ ok: false, kind: 'invalid_client', status: 401 });
    expect(sandbox.control.liveRefreshToken(target)).toBe(pair.refresh_token);
    const accepted = await client.refresh({ clientId: 'app-cc', clientSecret: 'right-secret', refreshToken: pair.refresh_token });
    expect(accepted.ok).toBe(true);
  });

  describe('answers of other shapes', () => {
    let server: Server;
    let next: { status: number; body: string };
    let baseUrl: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(next.status, { 'content-type': 'application/json' });
          res.end(next.body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test.each([
      [400, '{"error":"unauthorized_client","error_description":"not allowed"}', 'invalid_client'],
      [401, '{"error":"invalid_client","error_description":"Client authentication failed due to unknown client"}', 'invalid_client'],
      [400, '{"error":"invalid_grant","error_description":"The provided refresh token is not valid."}', 'invalid_grant'],
      [401, 'Error: The provided refresh token is not valid.', 'invalid_grant'],
      [401, '', 'invalid_grant'],
    ])('when the endpoint answers %i %s, then the result is %s', async (status, body, kind) => {
      next = { status, body };
      const client = createJobberTokenClient({ fetch, baseUrl, timeoutMs: 5000, clock: systemClock });
      expect(await client.refresh({ clientId: 'c', clientSecret: 's', refreshToken: 'r' })).toEqual({ ok: false, kind, status });
    });
  });
});

describe('a wrong client secret in the settings, end to end', () => {
  let gateway: TestGateway;
  let partner: TestPartner;
  const accounts = ['first', 'second'];

  beforeAll(async () => {
    gateway = await startTestGateway();
    partner = await createTestPartner(gateway);
    // Tokens that live 2 s: each is due for refresh after 1.8 s (a tenth of its lifetime left).
    gateway.sandbox.control.setTokenLifetime(2);
    for (const accountId of accounts) await installAccount(gateway, partner, accountId);
  });
  afterAll(() => gateway.close());

  async function statusOf(accountId: string): Promise<string> {
    const answer = await postGraphql(gateway.url, { query: `{ connectorInstallation(accountId: "${accountId}") { status } }` }, partner.headers());
    return answer.body.data?.connectorInstallation?.status as string;
  }

  test('when the secret is wrong at refresh time, then CONNECTOR_NOT_CONFIGURED, installations stay INSTALLED with their refresh tokens; fixing the secret brings every one back', async () => {
    const views = await Promise.all(
      accounts.map(async (accountId) => {
        const answer = await postGraphql(gateway.url, { query: `{ connectorInstallation(accountId: "${accountId}") { jobberAccountId } }` }, partner.headers());
        return { clientId: partner.clientId, accountId: answer.body.data?.connectorInstallation?.jobberAccountId as string };
      }),
    );
    const liveBefore = views.map((view) => gateway.sandbox.control.liveRefreshToken(view));
    expect(liveBefore.every((token) => typeof token === 'string')).toBe(true);

    const wrong = await postGraphql(gateway.url, { query: SETTINGS, variables: { input: { clientSecret: 'not-the-secret' } } }, partner.headers());
    expect(wrong.body.errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    gateway.sandbox.control.resetCounters();

    // Several requests per account: the endpoint hears each (client id, secret) refused at most once per backoff.
    for (let round = 0; round < 3; round++) {
      for (const accountId of accounts) {
        const answer = await postGraphql(gateway.url, { query: '{ account { id } }' }, partner.headers(accountId));
        expect(answer.body.errors?.[0]?.extensions?.code).toBe('CONNECTOR_NOT_CONFIGURED');
        expect(answer.body.errors?.[0]?.message).toMatch(/client credentials/i);
        expect(answer.body.errors?.[0]?.message).not.toContain('not-the-secret');
      }
    }
    const refused = gateway.sandbox.control.counters();
    expect(refused.tokenCalls).toBe(1);
    expect(refused).toMatchObject({ refreshes: 0, refreshReuses: 0, invalidGrants: 0 });
    for (const accountId of accounts) expect(await statusOf(accountId)).toBe('INSTALLED');
    expect(views.map((view) => gateway.sandbox.control.liveRefreshToken(view))).toEqual(liveBefore);
    expect(gateway.logs.filter((line) => line.includes('client credentials were refused'))).toHaveLength(1);
    expect(gateway.logs.join('\n')).not.toContain('not-the-secret');

    const fixed = await postGraphql(gateway.url, { query: SETTINGS, variables: { input: { clientSecret: partner.clientSecret } } }, partner.headers());
    expect(fixed.body.errors).toBeUndefined();
    for (const accountId of accounts) {
      const answer = await postGraphql(gateway.url, { query: '{ account { id } }' }, partner.headers(accountId));
      expect(answer.body.errors).toBeUndefined();
      expect(await statusOf(accountId)).toBe('INSTALLED');
    }
    expect(gateway.sandbox.control.counters()).toMatchObject({ refreshes: 2, refreshReuses: 0, invalidGrants: 0 });
  });
});
