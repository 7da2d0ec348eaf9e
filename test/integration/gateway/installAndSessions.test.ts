import { createTestPartner, installAccount, postGraphql, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

const INSTALLATION = '{ connectorInstallation(accountId: "acct-1") { accountId status jobberAccountId jobberAccountName installedAt accessTokenExpiresAt } }';

describe('install flow, sessions and uninstall through the GraphQL endpoint', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  test.each([
    ['the connector settings', true],
    ['the install input (blank settings)', false],
  ])('when the credentials come from %s, then install, query, uninstall and refusal all work', async (_label, fromSettings) => {
    const partner = await createTestPartner(gateway, { configure: fromSettings });
    const credentials = fromSettings ? undefined : { clientId: partner.clientId, clientSecret: partner.clientSecret };
    const settings = await postGraphql(gateway.url, { query: '{ connectorSettings { clientId clientSecretSet callbackUrl apiVersion } }' }, partner.headers());
    expect(settings.body.data?.connectorSettings).toEqual({
      clientId: fromSettings ? partner.clientId : null,
      clientSecretSet: fromSettings,
      callbackUrl: `${gateway.url}/connector/callback`,
      apiVersion: '2022-03-10',
    });

    const { callbackStatus, callbackBody } = await installAccount(gateway, partner, 'acct-1', {
      accountName: 'Maple Roofing',
      ...(credentials ? { credentials } : {}),
    });
    expect(callbackStatus).toBe(200);
    expect(callbackBody).toContain('<html');

    const installation = await postGraphql(gateway.url, { query: INSTALLATION }, partner.headers());
    expect(installation.body.data?.connectorInstallation).toMatchObject({
      accountId: 'acct-1',
      status: 'INSTALLED',
      jobberAccountName: 'Maple Roofing',
      jobberAccountId: expect.any(String),
      installedAt: expect.any(String),
    });

    const query = await postGraphql(gateway.url, { query: '{ account { name } }' }, partner.headers('acct-1'));
    expect(query.body.data).toEqual({ account: { name: 'Maple Roofing' } });

    const uninstall = await postGraphql(gateway.url, { query: 'mutation { uninstallConnector(accountId: "acct-1") { status } }' }, partner.headers());
    expect(uninstall.body.data).toEqual({ uninstallConnector: { status: 'DISCONNECTED' } });

    const refused = await postGraphql(gateway.url, { query: '{ account { name } }' }, partner.headers('acct-1'));
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('CONNECTOR_NOT_INSTALLED');

    // Nothing the gateway answered or logged contains the client secret.
    const everything = [settings.text, installation.text, query.text, uninstall.text, refused.text, callbackBody, ...gateway.logs].join('\n');
    expect(everything).not.toContain(partner.clientSecret);
    // Nor any access token (a JWT), nor the partner's API key, in a log line.
    const logText = gateway.logs.join('\n');
    expect(logText).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(logText).not.toContain(partner.apiKey);
    expect(gateway.logs.length).toBeGreaterThan(0);
  });

  test('when neither settings nor input hold credentials, then installConnector answers CONNECTOR_NOT_CONFIGURED', async () => {
    const partner = await createTestPartner(gateway, { configure: false });
    const answer = await postGraphql(
      gateway.url,
      { query: 'mutation { installConnector(input: { accountId: "a1" }) { consentUrl } }' },
      partner.headers(),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('CONNECTOR_NOT_CONFIGURED');
  });

  describe('account sessions', () => {
    let partner: TestPartner;
    let session: string;

    beforeAll(async () => {
      partner = await createTestPartner(gateway);
      await installAccount(gateway, partner, 'front-1', { accountName: 'Front One' });
      await installAccount(gateway, partner, 'front-2', { accountName: 'Front Two' });
      const created = await postGraphql(
        gateway.url,
        { query: 'mutation { createAccountSession(accountId: "front-1", ttlSeconds: 60) { token expiresAt } }' },
        partner.headers(),
      );
      session = (created.body.data?.createAccountSession as { token: string }).token;
      expect(session).toMatch(/^jgs_/);
    });

    const asSession = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${session}`, ...extra });

    test('when a session queries Jobber, then it gets its own account without naming it', async () => {
      const answer = await postGraphql(gateway.url, { query: '{ account { name } }' }, asSession());
      expect(answer.body.data).toEqual({ account: { name: 'Front One' } });
    });

    test('when a session names another account, then 403 FORBIDDEN', async () => {
      const answer = await postGraphql(gateway.url, { query: '{ account { name } }' }, asSession({ 'x-account-id': 'front-2' }));
      expect(answer.status).toBe(403);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    test('when a session reads settings or installs, then FORBIDDEN; its own installation is readable, others are not', async () => {
      const settings = await postGraphql(gateway.url, { query: '{ connectorSettings { clientId } }' }, asSession());
      expect(settings.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const install = await postGraphql(gateway.url, { query: 'mutation { installConnector(input: { accountId: "x" }) { consentUrl } }' }, asSession());
      expect(install.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const own = await postGraphql(gateway.url, { query: '{ connectorInstallation(accountId: "front-1") { status } }' }, asSession());
      expect(own.body.data).toEqual({ connectorInstallation: { status: 'INSTALLED' } });
      const other = await postGraphql(gateway.url, { query: '{ connectorInstallation(accountId: "front-2") { status } }' }, asSession());
      expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    test('when a session is asked for an account that is not installed, then CONNECTOR_NOT_INSTALLED', async () => {
      const answer = await postGraphql(gateway.url, { query: 'mutation { createAccountSession(accountId: "nope") { token } }' }, partner.headers());
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('CONNECTOR_NOT_INSTALLED');
    });

    test('when a session expires, then 401 UNAUTHENTICATED', async () => {
      const created = await postGraphql(
        gateway.url,
        { query: 'mutation { createAccountSession(accountId: "front-2", ttlSeconds: 1) { token } }' },
        partner.headers(),
      );
      const token = (created.body.data?.createAccountSession as { token: string }).token;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const answer = await postGraphql(gateway.url, { query: '{ account { name } }' }, { authorization: `Bearer ${token}` });
      expect(answer.status).toBe(401);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  test('when the installations are listed in pages, then every account appears once with a stable cursor', async () => {
    const partner = await createTestPartner(gateway);
    for (const id of ['p-a', 'p-b', 'p-c']) await installAccount(gateway, partner, id);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const answer = await postGraphql(
        gateway.url,
        {
          query: 'query($after: String) { connectorInstallations(first: 2, after: $after) { nodes { accountId status } pageInfo { hasNextPage endCursor } totalCount } }',
          variables: { after },
        },
        partner.headers(),
      );
      const connection = answer.body.data?.connectorInstallations as {
        nodes: { accountId: string }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        totalCount: number;
      };
      expect(connection.totalCount).toBe(3);
      seen.push(...connection.nodes.map((n) => n.accountId));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(['p-a', 'p-b', 'p-c']);
  });
});
