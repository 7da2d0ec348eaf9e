import { createTestPartner, postGraphql, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

/** A Jobber query for an account that is not installed: the fast path forwards-or-refuses it with no store write. */
const JOBBER_QUERY = '{ account { id } }';
/** Local only: the fast path hands it to Apollo. */
const LOCAL_QUERY = '{ connectorSettings { clientId } }';

describe.each([
  ['the fast path', true],
  ['stitching alone', false],
])('request budgets through %s', (_name, fastPath) => {
  let gateway: TestGateway;
  let proxied: TestGateway;
  let acme: TestPartner;
  let other: TestPartner;

  beforeAll(async () => {
    gateway = await startTestGateway({ fastPath, config: { partnerBudget: { perSecond: 0.5, burst: 4 }, unauthenticatedBudget: { perSecond: 0.2, burst: 2 } } });
    acme = await createTestPartner(gateway, { configure: false });
    other = await createTestPartner(gateway, { configure: false });
    proxied = await startTestGateway({ fastPath, config: { unauthenticatedBudget: { perSecond: 0.2, burst: 1 }, trustProxyHops: 1 } });
  });
  afterAll(async () => {
    await gateway.close();
    await proxied.close();
  });

  test('when a partner sends more than its burst, then the extra request is 429 RATE_LIMITED with Retry-After, and another partner is served', async () => {
    // createTestPartner spent none of acme's budget (the admin made it): 4 pass, the 5th is refused.
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await postGraphql(gateway.url, { query: i % 2 ? LOCAL_QUERY : JOBBER_QUERY }, acme.headers('nowhere')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...acme.headers('nowhere') }, body: JSON.stringify({ query: JOBBER_QUERY }) });
    expect(response.status).toBe(429);
    const body = (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[]; data?: unknown };
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'partnerRequestsPerSecond', maximum: 0.5 });
    // One token every 2 s: the wait is under 2 s, less the time the four requests took (over 1 s on a loaded machine).
    const retryAfterMs = body.errors[0]?.extensions.retryAfterMs as number;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(2000);
    expect(response.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
    expect((await postGraphql(gateway.url, { query: LOCAL_QUERY }, other.headers())).status).toBe(200);
  });

  test('when the fast path hands a request to Apollo, then the partner is charged once for it', async () => {
    // A fresh partner has its burst of 4: 4 local queries (each handed to Apollo by the fast path) pass, the 5th does not.
    const fresh = await createTestPartner(gateway, { configure: false });
    for (let i = 0; i < 4; i++) expect((await postGraphql(gateway.url, { query: LOCAL_QUERY }, fresh.headers())).status).toBe(200);
    expect((await postGraphql(gateway.url, { query: LOCAL_QUERY }, fresh.headers())).status).toBe(429);
  });

  test('when one address sends more anonymous requests than its burst, then 429, and a forged X-Forwarded-For does not make it another client', async () => {
    expect((await postGraphql(gateway.url, { query: '{ __typename }' })).status).toBe(200);
    expect((await postGraphql(gateway.url, { query: '{ __typename }' }, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    const refused = await postGraphql(gateway.url, { query: '{ __typename }' }, { 'x-forwarded-for': '198.51.100.2' });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'unauthenticatedRequestsPerSecond' });
  });

  test('when an address spent its budget, then its unknown keys are refused 429 too, while a partner key already in use from it still works', async () => {
    const refused = await postGraphql(gateway.url, { query: LOCAL_QUERY }, { authorization: 'Bearer jgp_not-a-key' });
    expect(refused.status).toBe(429);
    // The admin key is known without the store.
    expect((await postGraphql(gateway.url, { query: '{ partners(first: 1) { totalCount } }' }, { authorization: `Bearer ${gateway.adminKey}` })).status).toBe(200);
  });

  test('when one proxy hop is trusted, then each client behind it has its own anonymous budget, by the address the proxy appended', async () => {
    const from = (client: string) => postGraphql(proxied.url, { query: '{ __typename }' }, { 'x-forwarded-for': `203.0.113.250, ${client}` });
    expect((await from('198.51.100.10')).status).toBe(200);
    expect((await from('198.51.100.10')).status).toBe(429);
    expect((await from('198.51.100.11')).status).toBe(200);
  });
});
