import { startInstalledGateway, type TestGateway, type TestPartner } from '../../support/testGateway';
import { readFastPathCount, readMetricCount } from './support/readFastPathCount';

const requestCount = (gateway: TestGateway, status: string) => readMetricCount(gateway, `gateway_http_requests_total{route="/graphql",status="${status}"}`);

describe('the /graphql front door (fast path before express)', () => {
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    ({ gateway, partner } = await startInstalledGateway(['north']));
  }, 60_000);
  afterAll(() => gateway.close());

  async function post(path: string, body: string, headers: Record<string, string> = partner.headers('north')) {
    const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, headers: response.headers, json: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
  }

  test.each([
    ['a forwarded query', '{"query":"{ account { id } }"}', 'forwarded'],
    ['a split query', '{"query":"{ account { id } connectorSettings { clientId } }"}', 'split'],
    ['a handed-off query', '{"query":"{ connectorSettings { clientId } }"}', 'handed_off'],
  ])('when POST /graphql is %s, then it carries the CORS headers, is counted once, and the fast path decided it once', async (_label, body, outcome) => {
    const before = { status200: await requestCount(gateway, '200'), outcome: await readFastPathCount(gateway, outcome) };
    const answer = await post('/graphql', body);
    expect(answer.status).toBe(200);
    expect(answer.json.errors).toBeUndefined();
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-headers')).toContain('x-account-id');
    expect((await requestCount(gateway, '200')) - before.status200).toBe(1);
    expect((await readFastPathCount(gateway, outcome)) - before.outcome).toBe(1);
  });

  test('when the URL has a query string, then the fast path still answers it', async () => {
    const before = await readFastPathCount(gateway, 'forwarded');
    const answer = await post('/graphql?from=test', '{"query":"{ account { id } }"}');
    expect(answer.status).toBe(200);
    expect(answer.json.data).toEqual({ account: { id: expect.any(String) } });
    expect((await readFastPathCount(gateway, 'forwarded')) - before).toBe(1);
  });

  test('when the body is not JSON, then 400 BAD_REQUEST with the CORS headers, counted as a 400', async () => {
    const before = await requestCount(gateway, '400');
    const answer = await post('/graphql', '{"query": ');
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect((await requestCount(gateway, '400')) - before).toBe(1);
  });

  test('when the key is wrong, then the fast path answers 401 before parsing anything', async () => {
    const answer = await post('/graphql', '{"query":"{ account { id } }"}', { authorization: 'Bearer jgp_nope', 'x-account-id': 'north' });
    expect(answer.status).toBe(401);
    expect(answer.json.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
