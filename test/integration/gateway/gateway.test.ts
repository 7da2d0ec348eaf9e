import { createTestPartner, installAccount, postGraphql, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

const ACCOUNT_QUERY = '{ account { id name } clients(first: 5) { nodes { id name } } }';

describe('gateway: stitching and forwarding against the sandbox', () => {
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    gateway = await startTestGateway();
    partner = await createTestPartner(gateway);
    for (const [accountId, name] of [
      ['north', 'North Lawn Care'],
      ['south', 'South Plumbing'],
    ] as const) {
      const { callbackStatus } = await installAccount(gateway, partner, accountId, { accountName: name });
      expect(callbackStatus).toBe(200);
    }
  });
  afterAll(() => gateway.close());

  test('when two accounts query at once, then each gets its own Jobber data', async () => {
    const rounds = 20;
    const answers = await Promise.all(
      Array.from({ length: rounds * 2 }, (_, i) => {
        const accountId = i % 2 === 0 ? 'north' : 'south';
        return postGraphql(gateway.url, { query: ACCOUNT_QUERY }, partner.headers(accountId)).then((a) => ({ accountId, a }));
      }),
    );
    const byAccount = new Map<string, Set<string>>();
    for (const { accountId, a } of answers) {
      expect(a.status).toBe(200);
      expect(a.body.errors).toBeUndefined();
      const data = a.body.data as { account: { id: string; name: string }; clients: { nodes: { id: string }[] } };
      expect(data.account.name).toBe(accountId === 'north' ? 'North Lawn Care' : 'South Plumbing');
      expect(data.clients.nodes).toHaveLength(5);
      const seen = byAccount.get(accountId) ?? new Set<string>();
      seen.add(JSON.stringify(data));
      byAccount.set(accountId, seen);
    }
    // Every answer of one account is identical, and the two accounts' answers differ.
    expect(byAccount.get('north')?.size).toBe(1);
    expect(byAccount.get('south')?.size).toBe(1);
    expect([...byAccount.get('north')!][0]).not.toBe([...byAccount.get('south')!][0]);
  });

  test('when a query reaches Jobber, then it carries the account token, the version header and JSON, never the client key', async () => {
    await postGraphql(gateway.url, { query: '{ account { id } }' }, partner.headers('north'));
    const headers = gateway.sandbox.control.lastGraphqlHeaders().at(-1)!;
    expect(headers['authorization']).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(headers['authorization']).not.toContain(partner.apiKey);
    expect(headers['x-jobber-graphql-version']).toBe('2022-03-10');
    expect(headers['content-type']).toContain('application/json');
  });

  test("when Jobber answers, then its extensions.cost and versioning reach the client unchanged", async () => {
    const answer = await postGraphql(gateway.url, { query: '{ clients(first: 3) { nodes { id name } } }' }, partner.headers('north'));
    expect(answer.body.extensions?.cost).toMatchObject({ requestedQueryCost: 6, throttleStatus: { maximumAvailable: 10000, restoreRate: 500 } });
    expect(answer.body.extensions?.versioning).toMatchObject({ version: expect.any(String) });
  });

  test('when one operation mixes a local field and Jobber fields, then both resolve', async () => {
    const answer = await postGraphql(
      gateway.url,
      { query: '{ connectorInstallation(accountId: "south") { accountId status jobberAccountName } account { name } }' },
      partner.headers('south'),
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({
      connectorInstallation: { accountId: 'south', status: 'INSTALLED', jobberAccountName: 'South Plumbing' },
      account: { name: 'South Plumbing' },
    });
  });

  test('when variables, aliases and fragments are used, then Jobber answers them through the gateway', async () => {
    const answer = await postGraphql(
      gateway.url,
      {
        query: 'query Page($n: Int!) { first: clients(first: $n) { ...Names } } fragment Names on ClientConnection { nodes { id name } totalCount }',
        variables: { n: 2 },
        operationName: 'Page',
      },
      partner.headers('north'),
    );
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data?.first as { nodes: unknown[] }).nodes).toHaveLength(2);
  });

  test.each([
    ['no Authorization header', {}, 401, 'UNAUTHENTICATED'],
    ['an unknown API key', { authorization: 'Bearer jgp_not-a-real-key' }, 401, 'UNAUTHENTICATED'],
    ['a malformed Authorization header', { authorization: 'Basic abc' }, 401, 'UNAUTHENTICATED'],
    ['an empty bearer', { authorization: 'Bearer ' }, 401, 'UNAUTHENTICATED'],
  ])('when a request has %s, then it is refused', async (_label, headers, status, code) => {
    const answer = await postGraphql(gateway.url, { query: ACCOUNT_QUERY }, { ...headers, 'x-account-id': 'north' });
    expect(answer.status).toBe(status);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(answer.body.data ?? null).toBeNull();
  });

  test('when the partner names an account that was never installed, then CONNECTOR_NOT_INSTALLED', async () => {
    const answer = await postGraphql(gateway.url, { query: ACCOUNT_QUERY }, partner.headers('nobody-here'));
    expect(answer.status).toBe(200);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('CONNECTOR_NOT_INSTALLED');
  });

  test.each([
    ['without X-Account-Id', undefined, 'BAD_USER_INPUT'],
    ['with an invalid X-Account-Id', 'not valid!', 'BAD_USER_INPUT'],
  ])('when a Jobber field is asked %s, then BAD_USER_INPUT', async (_label, accountId, code) => {
    const answer = await postGraphql(gateway.url, { query: '{ account { id } }' }, partner.headers(accountId));
    expect(answer.status).toBe(200);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe(code);
  });

  test('when a query comes as GET with URL parameters, then it is answered like a POST', async () => {
    const url = `${gateway.url}/graphql?query=${encodeURIComponent('{ account { name } }')}`;
    const response = await fetch(url, { headers: { ...partner.headers('north'), accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { account: { name: 'North Lawn Care' } } });
  });

  test('when a mutation comes as GET, then it is refused and nothing reaches Jobber', async () => {
    const before = gateway.sandbox.control.counters().graphqlCalls;
    const url = `${gateway.url}/graphql?query=${encodeURIComponent('mutation { appDisconnect { userErrors { message } } }')}`;
    const response = await fetch(url, { headers: { ...partner.headers('north'), accept: 'application/json' } });
    expect(response.status).toBe(405);
    expect(gateway.sandbox.control.counters().graphqlCalls).toBe(before);
  });

  test('when the body is not JSON, then 400 with a code, never a 500', async () => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...partner.headers('north') },
      body: '{"query": "{ account { id } }"',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  test('when a field does not exist, then 400 GRAPHQL_VALIDATION_FAILED and nothing reaches Jobber', async () => {
    const before = gateway.sandbox.control.counters().graphqlCalls;
    const answer = await postGraphql(gateway.url, { query: '{ account { id notAField } }' }, partner.headers('north'));
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(gateway.sandbox.control.counters().graphqlCalls).toBe(before);
  });

  test('when the admin key asks Jobber, then FORBIDDEN; when a partner calls createPartner, then FORBIDDEN', async () => {
    const admin = await postGraphql(gateway.url, { query: '{ account { id } }' }, { authorization: `Bearer ${gateway.adminKey}`, 'x-account-id': 'north' });
    expect(admin.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const partnerTry = await postGraphql(gateway.url, { query: 'mutation { createPartner(name: "x") { apiKey } }' }, partner.headers());
    expect(partnerTry.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('when an anonymous client introspects, then it gets the schema without Jobber\'s Subscription root', async () => {
    const answer = await postGraphql(gateway.url, { query: '{ __schema { queryType { name } subscriptionType { name } } }' });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ __schema: { queryType: { name: 'Query' }, subscriptionType: null } });
  });

  test('when the explorer sends an empty "Bearer " before a key is pasted, then introspection still works', async () => {
    const answer = await postGraphql(gateway.url, { query: '{ __schema { queryType { name } } }' }, { authorization: 'Bearer ', 'x-account-id': '' });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  test('when a browser opens /graphql, then the explorer page is served with no external assets', async () => {
    const response = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('jobber-gateway explorer');
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/);
    // Outside the demo: no key in the page, and GraphiQL keeps headers out of localStorage unless asked.
    expect(html).not.toContain('Bearer jgp_');
    expect(html).toContain('"shouldPersistHeaders":null');
    // Not readable by another origin's script (the demo's page holds the demo partner's key).
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('when a browser reloads the explorer after an edit (GraphiQL keeps the query in ?query=), then the page is served again', async () => {
    const response = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent('{ account { id } }')}`, {
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('jobber-gateway explorer');
  });

  test('when a GraphQL client sends a GET with ?query=, then it gets the JSON answer, not the page', async () => {
    const response = await fetch(`${gateway.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/graphql-response+json, application/json' },
    });
    expect(response.headers.get('content-type')).toMatch(/json/);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  test('when requests were served, then /metrics counts them by route and status in Prometheus text', async () => {
    await postGraphql(gateway.url, { query: '{ account { id } }' }, partner.headers('north'));
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE gateway_http_requests_total counter');
    const line = text.split('\n').find((l) => l.startsWith('gateway_http_requests_total{route="/graphql",status="200"}'));
    expect(Number(line?.split(' ')[1])).toBeGreaterThan(0);
  });

  test('when health is asked, then /healthz and /readyz answer 200', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { store: 'ok', schema: 'ok' } });
  });
});
