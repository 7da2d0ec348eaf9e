import { createTestPartner, installAccount, type TestGateway, type TestPartner } from '../../support/testGateway';
import { CLIENT_SHAPES, searchOf } from '../../../bench/clientShapes';
import { readFastPathCount } from './support/readFastPathCount';
import { startTwinGateways, type TwinGateways } from './support/startTwinGateways';

type Caller = 'north' | 'noAccount' | 'badAccountId' | 'notInstalled' | 'unknownKey' | 'admin' | 'session' | 'badSession' | 'sessionOther' | 'anonymous';

interface CorpusCase {
  label: string;
  body: Record<string, unknown>;
  caller: Caller;
  /** What the fast path does with it: answers it itself (whole, split in two, or an early refusal), or hands it to Apollo. */
  path: 'forwarded' | 'split' | 'refused' | 'handed_off';
  /** Only as a plain POST (slow cases). */
  plainOnly?: boolean;
  headers?: Record<string, string>;
  /** Runs on the sandbox before each of the two requests. */
  before?: (gateway: TestGateway) => void;
  /** Runs on the sandbox after each of the two requests. */
  after?: (gateway: TestGateway) => void;
}

const CLIENTS = 'query Clients($n: Int!) { clients(first: $n) { nodes { id name firstName } totalCount } }';

const corpus: CorpusCase[] = [
  { label: 'a plain query', body: { query: '{ account { id name } }' }, caller: 'north', path: 'forwarded' },
  { label: 'aliases', body: { query: '{ a: account { id } b: account { nm: name } c: clients(first: 2) { totalCount } }' }, caller: 'north', path: 'forwarded' },
  { label: 'variables', body: { query: CLIENTS, variables: { n: 3 } }, caller: 'north', path: 'forwarded' },
  { label: 'variables and an operation name', body: { query: CLIENTS, variables: { n: 1 }, operationName: 'Clients' }, caller: 'north', path: 'forwarded' },
  { label: 'a variable default', body: { query: 'query($n: Int = 2) { clients(first: $n) { nodes { id } } }' }, caller: 'north', path: 'forwarded' },
  {
    label: 'named fragments and two operations',
    body: {
      query: 'query A { account { ...Acc } } query B { clients(first: 2) { nodes { ...C } } } fragment Acc on Account { id name } fragment C on Client { id name }',
      operationName: 'B',
    },
    caller: 'north',
    path: 'forwarded',
  },
  { label: 'inline fragments', body: { query: '{ clients(first: 2) { nodes { ... on Client { id } ... { name } } } }' }, caller: 'north', path: 'forwarded' },
  { label: 'a root fragment spread', body: { query: 'query { ...Root } fragment Root on Query { account { name } }' }, caller: 'north', path: 'forwarded' },
  {
    label: '@skip and @include with variables',
    body: {
      query: 'query($s: Boolean!, $i: Boolean!) { account { id name @skip(if: $s) } clients(first: 1) @include(if: $i) { totalCount } }',
      variables: { s: true, i: false },
    },
    caller: 'north',
    path: 'forwarded',
  },
  { label: 'nested __typename', body: { query: '{ account { __typename id } clients(first: 2) { __typename nodes { __typename id } } }' }, caller: 'north', path: 'forwarded' },
  {
    label: 'a Jobber mutation with user errors',
    body: { query: 'mutation { clientEdit(clientId: "nope", input: { firstName: "X" }) { client { id } userErrors { message path } } }' },
    caller: 'north',
    path: 'forwarded',
  },
  { label: 'a session token', body: { query: '{ account { name } }' }, caller: 'session', path: 'forwarded' },
  // Mixed queries: the local half executed here, the Jobber half forwarded, the answers merged.
  { label: 'a mixed operation', body: { query: '{ connectorInstallation(accountId: "north") { status } account { name } }' }, caller: 'north', path: 'split' },
  {
    label: 'a mixed operation with variables, aliases, dates and local fields between Jobber ones',
    body: {
      query:
        'query Mixed($n: Int!, $a: ID!) { c: clients(first: $n) { nodes { id name } } i: connectorInstallation(accountId: $a) { accountId status installedAt } account { name } s: connectorSettings { clientId returnUrlOrigins } }',
      variables: { n: 2, a: 'north' },
      operationName: 'Mixed',
    },
    caller: 'north',
    path: 'split',
  },
  {
    label: 'a mixed operation with fragments on both halves and another operation',
    body: {
      query:
        'query Other { connectorSettings { clientId } } query Q { account { ...Acc } connectorInstallation(accountId: "north") { ...Inst } account { id } } fragment Acc on Account { name } fragment Inst on ConnectorInstallation { status accountId }',
      operationName: 'Q',
    },
    caller: 'north',
    path: 'split',
  },
  {
    label: 'a mixed operation with @skip and @include on both halves',
    body: {
      query:
        'query($s: Boolean!, $i: Boolean!) { account @skip(if: $s) { id } clients(first: 1) @include(if: $i) { totalCount } connectorSettings @skip(if: $s) { clientId } connectorInstallation(accountId: "north") @include(if: $s) { status } }',
      variables: { s: true, i: true },
    },
    caller: 'north',
    path: 'split',
  },
  { label: 'a mixed operation with an unknown installation (null)', body: { query: '{ connectorInstallation(accountId: "nobody") { status } account { id } }' }, caller: 'north', path: 'split' },
  { label: 'a mixed operation from a session', body: { query: '{ account { name } connectorInstallation(accountId: "north") { status } }' }, caller: 'session', path: 'split' },
  { label: 'a mixed operation with a Jobber mutation', body: { query: 'mutation { clientEdit(clientId: "nope", input: { firstName: "X" }) { userErrors { message } } updateConnectorSettings(input: {}) { clientId } }' }, caller: 'north', path: 'handed_off' },
  // The local half fails: both halves still run (as stitching runs them) and the answer is shaped like stitching's.
  { label: 'a mixed operation whose local half is forbidden', body: { query: '{ account { name } connectorSettings { clientId } }' }, caller: 'session', path: 'split' },
  { label: 'a mixed operation with a bad local argument', body: { query: '{ account { name } connectorInstallations(first: 500) { totalCount } }' }, caller: 'north', path: 'split' },
  { label: 'a mixed operation with a bad nullable local argument', body: { query: '{ account { name } i: connectorInstallation(accountId: "not valid!") { status } }' }, caller: 'north', path: 'split' },
  {
    label: 'a mixed operation when Jobber answers 502',
    body: { query: '{ account { id } connectorSettings { clientId } }' },
    caller: 'north',
    path: 'split',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 502, count: 1 }),
  },
  {
    label: 'a mixed operation when Jobber answers errors and no data',
    body: { query: '{ account { id } connectorSettings { clientId } clients(first: 1) { totalCount } }' },
    caller: 'north',
    path: 'split',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 500, count: 1 }),
  },
  { label: 'a mixed operation for an account that is not installed', body: { query: '{ account { id } connectorSettings { clientId } }' }, caller: 'notInstalled', path: 'split' },
  // Handed to Apollo before anything reaches Jobber: Apollo's own answer is the reference.
  { label: 'root __typename', body: { query: '{ __typename account { id } }' }, caller: 'north', path: 'handed_off' },
  { label: 'a validation error', body: { query: '{ account { id notAField } }' }, caller: 'north', path: 'handed_off' },
  { label: 'a syntax error', body: { query: '{ account { id ' }, caller: 'north', path: 'handed_off' },
  { label: 'a missing variable', body: { query: CLIENTS }, caller: 'north', path: 'handed_off' },
  { label: 'a variable of the wrong type', body: { query: CLIENTS, variables: { n: 'three' } }, caller: 'north', path: 'handed_off' },
  { label: 'an unknown operation name', body: { query: CLIENTS, variables: { n: 1 }, operationName: 'Nope' }, caller: 'north', path: 'handed_off' },
  { label: 'variables sent as a string', body: { query: CLIENTS, variables: '{"n":1}' }, caller: 'north', path: 'handed_off' },
  { label: 'no Authorization', body: { query: '{ account { id } }' }, caller: 'anonymous', path: 'handed_off' },
  // Credentials are checked first; a failure is answered before anything is parsed.
  { label: 'an unknown API key', body: { query: '{ account { id } }' }, caller: 'unknownKey', path: 'refused' },
  { label: 'an unknown API key and a query that does not parse', body: { query: '{ account { id ' }, caller: 'unknownKey', path: 'refused' },
  { label: 'an expired or unknown session', body: { query: '{ account { id } }' }, caller: 'badSession', path: 'refused' },
  { label: 'the admin key', body: { query: '{ account { id } }' }, caller: 'admin', path: 'handed_off' },
  { label: "a session with another account's X-Account-Id", body: { query: '{ account { id } }' }, caller: 'sessionOther', path: 'refused' },
  { label: 'no X-Account-Id', body: { query: '{ account { id } clients(first: 1) { totalCount } }' }, caller: 'noAccount', path: 'handed_off' },
  { label: 'an invalid X-Account-Id', body: { query: '{ account { id } }' }, caller: 'badAccountId', path: 'handed_off' },
  // Forwarded and failed: the fast path shapes the failure as stitching does (shapeLikeStitching).
  { label: 'an account that is not installed', body: { query: '{ account { id } clients(first: 1) { totalCount } }' }, caller: 'notInstalled', path: 'forwarded' },
  {
    label: 'an account that is not installed, three root fields, nullable and not, a root fragment and a repeated key',
    body: { query: '{ a: clients(first: 1) { totalCount } ...R c: client(id: "x") { id } c: client(id: "x") { name } } fragment R on Query { account { id } }' },
    caller: 'notInstalled',
    path: 'forwarded',
  },
  {
    label: 'an account that is not installed, a root field skipped by a variable',
    body: { query: 'query($s: Boolean!) { account @skip(if: $s) { id } c: client(id: "x") { id } }', variables: { s: true } },
    caller: 'notInstalled',
    path: 'forwarded',
  },
  { label: 'a Jobber mutation for an account that is not installed', body: { query: 'mutation { clientCreate(input: { firstName: "A" }) { client { id } } }' }, caller: 'notInstalled', path: 'forwarded' },
  {
    label: 'Jobber answering 502 with errors only',
    body: { query: '{ account { id } }' },
    caller: 'north',
    path: 'forwarded',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 502, count: 1 }),
  },
  {
    // Jobber's errors without data: stitching puts them on each root field (data { account: null, ... }).
    label: 'Jobber answering errors and no data',
    body: { query: '{ account { id } clients(first: 1) { totalCount } }' },
    caller: 'north',
    path: 'forwarded',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 500, count: 1 }),
  },
  {
    label: 'Jobber answering errors and no data to three nullable root fields',
    body: { query: '{ a: client(id: "x") { id } b: client(id: "y") { id } account { name } }' },
    caller: 'north',
    path: 'forwarded',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 503, count: 1 }),
  },
  {
    label: 'Jobber timing out',
    body: { query: '{ account { id } c: client(id: "x") { id } }' },
    caller: 'north',
    path: 'forwarded',
    before: (g) => g.sandbox.control.setGraphqlLatency(4000),
    after: (g) => g.sandbox.control.setGraphqlLatency(0),
    plainOnly: true,
  },
];

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
  const runs = corpus.flatMap((c) => (c.plainOnly ? shapes.slice(0, 1) : shapes).map((shape) => [c.label, shape.name, c, shape] as const));

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
