import { randomBytes } from 'node:crypto';
import { startInstalledGateway, type TestGateway, type TestPartner } from '../../support/testGateway';
import { waitFor } from '../../support/waitFor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type LogLine = Record<string, unknown> & { msg?: string; requestId?: string };

describe('request ids and access logs', () => {
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    ({ gateway, partner } = await startInstalledGateway(['north']));
  }, 60_000);
  afterAll(() => gateway.close());

  const linesOf = (requestId: string): LogLine[] =>
    gateway.logs.map((line) => JSON.parse(line) as LogLine).filter((line) => line.requestId === requestId);
  const accessLineOf = (requestId: string): Promise<LogLine> =>
    waitFor(() => linesOf(requestId).find((line) => line.msg === 'request'), `access log line of ${requestId}`, 5000);

  async function post(body: unknown, headers: Record<string, string>): Promise<{ status: number; requestId: string | null; text: string }> {
    const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, requestId: response.headers.get('x-request-id'), text: await response.text() };
  }

  test('when a client sends a valid X-Request-Id on the fast path, then it is answered, on every log line of the request, and sent to Jobber', async () => {
    const id = `client-${randomBytes(6).toString('hex')}`;
    const answer = await post({ query: '{ account { id name } }' }, { ...partner.headers('north'), 'x-request-id': id });
    expect(answer.status).toBe(200);
    expect(answer.requestId).toBe(id);
    expect(gateway.sandbox.control.lastGraphqlHeaders().filter((headers) => headers['x-request-id'] === id)).toHaveLength(1);
    const access = await accessLineOf(id);
    expect(access).toMatchObject({ level: 30, method: 'POST', path: '/graphql', status: 200, fastPath: 'forwarded', partnerId: partner.partnerId });
    expect(access.durationMs).toEqual(expect.any(Number));
    // The gateway's first forwarded call logs Jobber's version warning: written during this request, it carries the id.
    expect(linesOf(id).map((line) => line.msg)).toContain('Jobber upgraded the requested API version');
  });

  test('when the operation goes through Apollo (stitching), then its id still reaches Jobber and the access log', async () => {
    const id = `stitched-${randomBytes(6).toString('hex')}`;
    const answer = await post({ query: '{ __typename connectorSettings { clientId } account { id } }' }, { ...partner.headers('north'), 'x-request-id': id });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ data: { __typename: 'Query', account: { id: expect.any(String) } } });
    expect(answer.requestId).toBe(id);
    expect(gateway.sandbox.control.lastGraphqlHeaders().filter((headers) => headers['x-request-id'] === id)).toHaveLength(1);
    expect(await accessLineOf(id)).toMatchObject({ status: 200, fastPath: 'handed_off', partnerId: partner.partnerId });
  });

  test.each([
    ['with spaces', 'bad id with spaces'],
    ['too long', 'x'.repeat(129)],
    ['with a quote', 'id"injected'],
  ])('when the client sends an invalid id (%s), then a generated one replaces it everywhere and the bad one is never logged', async (_label, bad) => {
    const answer = await post({ query: '{ account { id } }' }, { ...partner.headers('north'), 'x-request-id': bad });
    expect(answer.status).toBe(200);
    expect(answer.requestId).toMatch(UUID);
    expect(gateway.sandbox.control.lastGraphqlHeaders().at(-1)?.['x-request-id']).toBe(answer.requestId);
    await accessLineOf(answer.requestId as string);
    expect(gateway.logs.join('\n')).not.toContain(bad);
  });

  // The key: none, an unknown one (the front door refuses it), or the partner's (the front door answers a body it cannot read).
  test.each([
    ['GET', '/healthz', 'none', undefined, 200],
    ['GET', '/no-such-page', 'none', undefined, 404],
    ['POST', '/graphql', 'none', '{"query": ', 400],
    ['POST', '/graphql', 'partner', '{"query": ', 400],
    ['POST', '/graphql', 'unknown', '{"query":"{ account { id } }"}', 401],
    ['POST', '/webhooks/jobber', 'none', '{}', 401],
    ['GET', '/connector/callback?code=secret-code-123&state=secret-state-456', 'none', undefined, 400],
  ])('when %s %s (%s key) is answered without a client id, then the answer carries a generated id and one access log line', async (method, path, key, body, status) => {
    const authorization = key === 'unknown' ? { authorization: 'Bearer jgp_nope', 'x-account-id': 'north' } : key === 'partner' ? partner.headers('north') : {};
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...authorization },
      ...(body === undefined ? {} : { body }),
    });
    await response.text();
    expect(response.status).toBe(status);
    const id = response.headers.get('x-request-id') as string;
    expect(id).toMatch(UUID);
    const access = await accessLineOf(id);
    expect(access).toMatchObject({ method, path: path.split('?')[0], status });
    expect(linesOf(id).filter((line) => line.msg === 'request')).toHaveLength(1);
  });

  test('when requests were logged, then no log line holds the API key, a bearer header or the callback query', () => {
    const text = gateway.logs.join('\n');
    expect(text).not.toContain(partner.apiKey);
    expect(text).not.toMatch(/Bearer\s+\S{10,}/);
    expect(text).not.toContain('secret-code-123');
    expect(text).not.toContain('secret-state-456');
  });
});

describe('request ids with the fast path off (express answers everything)', () => {
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    ({ gateway, partner } = await startInstalledGateway(['north'], { fastPath: false }));
  }, 60_000);
  afterAll(() => gateway.close());

  test.each([
    ['a Jobber query', {}, '{"query":"{ account { id } }"}'],
    ['a client id', { 'x-request-id': 'client-id-42' }, '{"query":"{ account { id } }"}'],
  ])('when %s is answered, then the answer carries its request id', async (_case, extra, body) => {
    const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...partner.headers('north'), ...extra }, body });
    expect(response.status).toBe(200);
    await response.text();
    const id = response.headers.get('x-request-id');
    if ('x-request-id' in extra) expect(id).toBe(extra['x-request-id']);
    else expect(id).toMatch(UUID);
  });
});
