import { createTestPartner, installAccount, type TestGateway, type TestPartner } from '../../support/testGateway';
import { CLIENT_SHAPES, searchOf } from '../../../bench/clientShapes';
import { readFastPathCount } from './support/readFastPathCount';
import { CORPUS, type Caller } from './support/fastPathCorpusCases';
import { startTwinGateways, type TwinGateways } from './support/startTwinGateways';

/*
 * Not in this corpus:
 * - an error Jobber locates inside partial data (data present, error with a path): the sandbox never
 *   answers one; the fast path drops its locations as stitching does (unit test: shapeLikeStitching);
 * - the fast path sends no ETag header (express computes one per stitched response; POSTs never use it);
 * - the fast path's body is Jobber's bytes, which may lack the newline Apollo ends its bodies with.
 */
describe('fast path: identical answers to the stitching path', () => {
  let twins: TwinGateways;
  let partner: TestPartner;
  let sessionToken: string;

  beforeAll(async () => {
    twins = await startTwinGateways({ jobberTimeoutMs: 2000 });
    // A bucket so large it is always full: extensions.cost is then the same whichever path asked first.
    twins.fast.sandbox.control.setBucket({ maximumAvailable: 1e9, restoreRate: 1e9 });
    partner = await createTestPartner(twins.fast);
    const { callbackStatus } = await installAccount(twins.fast, partner, 'north', { accountName: 'North Lawn Care' });
    expect(callbackStatus).toBe(200);
    const session = await post(twins.fast, { query: 'mutation { createAccountSession(accountId: "north") { token } }' }, partner.headers());
    sessionToken = (session.body as { data: { createAccountSession: { token: string } } }).data.createAccountSession.token;
  }, 60_000);
  afterAll(() => twins.close());

  function headersOf(caller: Caller): Record<string, string> {
    switch (caller) {
      case 'north':
        return partner.headers('north');
      case 'noAccount':
        return partner.headers();
      case 'badAccountId':
        return partner.headers('not valid!');
      case 'notInstalled':
        return partner.headers('nobody-here');
      case 'unknownKey':
        return { authorization: 'Bearer jgp_not-a-real-key', 'x-account-id': 'north' };
      case 'admin':
        return { authorization: `Bearer ${twins.fast.adminKey}`, 'x-account-id': 'north' };
      case 'session':
        return { authorization: `Bearer ${sessionToken}` };
      case 'badSession':
        return { authorization: 'Bearer jgs_not-a-real-session' };
      case 'sessionOther':
        return { authorization: `Bearer ${sessionToken}`, 'x-account-id': 'south' };
      case 'anonymous':
        return {};
    }
  }

  afterEach(() => {
    for (const gateway of [twins.fast, twins.stitched]) {
      gateway.sandbox.control.setGraphqlFailure({ status: 500, count: 0 });
      gateway.sandbox.control.setGraphqlLatency(0);
    }
  });

  // Every case as a plain POST, and as each real client sends it (its method and Accept).
  const shapes: readonly Shape[] = [
    { name: 'a plain POST', method: 'POST' },
    ...Object.values(CLIENT_SHAPES).map((shape) => ({ name: `${shape.name} (${shape.queryMethod} ${shape.accept})`, method: shape.queryMethod, accept: shape.accept })),
  ];
  const runs = CORPUS.flatMap((c) => (c.plainOnly ? shapes.slice(0, 1) : shapes).map((shape) => [c.label, shape.name, c, shape] as const));

  test.each(runs)('when the request has %s, sent as %s, then both paths answer the same', async (_label, _shape, c, shape) => {
    const headers = { ...headersOf(c.caller), ...(shape.accept ? { accept: shape.accept } : {}), ...c.headers };
    const path = shape.method === 'GET' && /^\s*mutation/.test(String(c.body.query)) ? (c.path === 'forwarded' || c.path === 'refused' ? 'refused' : 'handed_off') : c.path;
    const countsBefore = await pathCounts(twins.fast);
    const callsBefore = twins.fast.sandbox.control.counters().graphqlCalls;
    c.before?.(twins.fast);
    const fast = await send(twins.fast, shape.method, c.body, headers);
    c.after?.(twins.fast);
    const countsAfter = await pathCounts(twins.fast);
    // After a forward the fast path answers itself: Jobber is never called twice for one request.
    expect(twins.fast.sandbox.control.counters().graphqlCalls - callsBefore).toBeLessThanOrEqual(1);
    twins.fast.sandbox.control.setGraphqlFailure({ status: 500, count: 0 });
    c.before?.(twins.stitched);
    const stitched = await send(twins.stitched, shape.method, c.body, headers);
    c.after?.(twins.stitched);

    const served = Object.fromEntries(PATHS.map((p) => [p, countsAfter[p] - countsBefore[p]]));
    expect(served).toEqual(Object.fromEntries(PATHS.map((p) => [p, p === path ? 1 : 0])));
    expect(fast.status).toBe(stitched.status);
    expect(fast.contentType).toBe(stitched.contentType);
    expect(fast.allow).toBe(stitched.allow);
    expect(fast.body).toStrictEqual(stitched.body);
    // Same top-level key order too (errors, data, extensions), so clients that stream-parse see no change.
    expect(Object.keys(fast.body as object)).toEqual(Object.keys(stitched.body as object));
  });

  test.each([
    ['JSON that does not parse', 'application/json', '{"query": "{ account { id } }"'],
    ['a JSON string', 'application/json', '"{ account { id } }"'],
    ['an empty body', 'application/json', ''],
    ['a JSON array', 'application/json', '[{"query": "{ account { id } }"}]'],
    ['a charset in the content type', 'application/json; charset=UTF-8', '{"query": "{ account { name } }"}'],
    ['a text/plain body', 'text/plain', '{"query": "{ account { id } }"}'],
  ])('when the body is %s, then both paths answer the same', async (_label, contentType, body) => {
    const send = async (gateway: TestGateway) => {
      const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { ...partner.headers('north'), 'content-type': contentType }, body });
      // Parsed when JSON: Apollo ends its body with a newline, Jobber's bytes (the fast path's) may not.
      const text = await response.text();
      return { status: response.status, contentType: response.headers.get('content-type'), body: parseOrKeep(text) };
    };
    expect(await send(twins.fast)).toStrictEqual(await send(twins.stitched));
  });

  test('when a body is larger than the limit, then both paths answer 413', async () => {
    const body = JSON.stringify({ query: `{ account { id } } # ${'x'.repeat(1024 * 1024)}` });
    for (const gateway of [twins.fast, twins.stitched]) {
      const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { ...partner.headers('north'), 'content-type': 'application/json' }, body });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ errors: [{ message: 'The request body is too large.', extensions: { code: 'BAD_REQUEST' } }] });
    }
  });
});

interface Shape {
  name: string;
  method: 'GET' | 'POST';
  accept?: string;
}

const PATHS = ['forwarded', 'split', 'refused', 'handed_off'] as const;

/** The request as a POST with a JSON body, or as a GET with the body's fields in the URL (urql's way). */
async function send(gateway: TestGateway, method: 'GET' | 'POST', body: Record<string, unknown>, headers: Record<string, string>) {
  const response =
    method === 'POST'
      ? await fetch(`${gateway.url}/graphql`, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
      : await fetch(`${gateway.url}/graphql?${searchOf(body as { query: string })}`, { headers });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), allow: response.headers.get('allow'), body: JSON.parse(text) as unknown };
}

async function post(gateway: TestGateway, body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), body: JSON.parse(text) as unknown };
}

/** How many requests the fast path ended each way (handed_off: Apollo answered). */
async function pathCounts(gateway: TestGateway): Promise<Record<(typeof PATHS)[number], number>> {
  const counts = await Promise.all(PATHS.map((p) => readFastPathCount(gateway, p)));
  return Object.fromEntries(PATHS.map((p, i) => [p, counts[i]!])) as Record<(typeof PATHS)[number], number>;
}

function parseOrKeep(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
