import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLIENT_SHAPES, shapeRequest } from '../../../bench/clientShapes';
import { readFastPathCount } from '../fastpath/support/readFastPathCount';
import { startTwinGateways, type TwinGateways } from '../fastpath/support/startTwinGateways';
import { createTestPartner, installAccount, postGraphql, type TestGateway, type TestPartner } from '../../support/testGateway';
import { createRealClient, type ClientName, type Exchange } from './support/realClients';

const CLIENTS = Object.keys(CLIENT_SHAPES) as ClientName[];
const JOBBER_QUERY = 'query Clients($n: Int!) { clients(first: $n) { nodes { id name } totalCount } }';
const MUTATION = 'mutation Edit($id: EncodedId!) { clientEdit(clientId: $id, input: { firstName: "X" }) { client { id } userErrors { message path } } }';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A tiny GraphQL endpoint that records every request as it arrived and answers `{ data: {} }`. */
async function startRecorder(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('real GraphQL clients: what each one sends', () => {
  test.each(CLIENTS)('when %s sends a query and a mutation, then method, URL, Accept and body layout are the recorded shape the bench uses', async (name) => {
    const recorder = await startRecorder();
    try {
      const client = createRealClient(name, recorder.url, { authorization: 'Bearer jgp_recorded', 'x-account-id': 'north' });
      await client.run({ query: JOBBER_QUERY, variables: { n: 2 }, kind: 'query' });
      await client.run({ query: MUTATION, variables: { id: 'x' }, kind: 'mutation' });
      const [query, mutation] = recorder.seen;
      const shape = CLIENT_SHAPES[name];
      expect(recorder.seen).toHaveLength(2);
      expect(query!.method).toBe(shape.queryMethod);
      expect(mutation!.method).toBe('POST');
      for (const request of [query!, mutation!]) {
        expect(request.headers.accept).toBe(shape.accept);
        expect(request.headers.authorization).toBe('Bearer jgp_recorded');
        expect(request.headers['x-account-id']).toBe('north');
      }
      // The bench builds each client's requests with shapeRequest: the same method, URL shape, headers and body layout.
      const built = shapeRequest(name, '/graphql', { authorization: 'Bearer jgp_recorded' }, { query: JOBBER_QUERY, operationName: 'Clients', variables: { n: 2 } });
      expect(built.method).toBe(query!.method);
      expect(built.headers.accept).toBe(query!.headers.accept);
      expect(built.headers['content-type']).toBe(query!.headers['content-type']);
      if (query!.method === 'GET') {
        const search = new URL(query!.url, 'http://x').searchParams;
        expect([...search.keys()]).toEqual([...new URL(built.path, 'http://x').searchParams.keys()]);
        expect(JSON.parse(search.get('variables')!)).toEqual({ n: 2 });
        expect(query!.body).toBe('');
      } else {
        expect(query!.url).toBe('/graphql');
        const body = JSON.parse(query!.body) as Record<string, unknown>;
        expect(Object.keys(body)).toEqual(Object.keys(JSON.parse(built.body!) as object));
        expect(body.variables).toEqual({ n: 2 });
      }
    } finally {
      await recorder.close();
    }
  });
});

interface Scenario {
  label: string;
  query: string;
  variables?: Record<string, unknown>;
  kind: 'query' | 'mutation';
  caller: 'partner' | 'expiredSession';
  /** Which fast path outcome serves it. */
  path: 'forwarded' | 'split' | 'refused' | 'handed_off';
  before?: (gateway: TestGateway) => void;
}

const SCENARIOS: Scenario[] = [
  { label: 'a Jobber query with variables', query: JOBBER_QUERY, variables: { n: 2 }, kind: 'query', caller: 'partner', path: 'forwarded' },
  {
    label: 'a mixed local and Jobber query',
    query: 'query Mixed($a: ID!) { connectorInstallation(accountId: $a) { status accountId } account { name } }',
    variables: { a: 'north' },
    kind: 'query',
    caller: 'partner',
    path: 'split',
  },
  { label: 'a Jobber mutation', query: MUTATION, variables: { id: 'nope' }, kind: 'mutation', caller: 'partner', path: 'forwarded' },
  {
    label: 'a local mutation',
    query: 'mutation Origins { updateConnectorSettings(input: { returnUrlOrigins: ["https://app.example.com"] }) { returnUrlOrigins } }',
    kind: 'mutation',
    caller: 'partner',
    path: 'handed_off',
  },
  { label: 'a validation error', query: 'query Bad { account { id notAField } }', kind: 'query', caller: 'partner', path: 'handed_off' },
  {
    label: 'a Jobber field error',
    query: 'query Acc { account { id name } c: client(id: "x") { id } }',
    kind: 'query',
    caller: 'partner',
    path: 'forwarded',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 502, count: 1 }),
  },
  { label: 'an expired session', query: 'query Acc { account { id } }', kind: 'query', caller: 'expiredSession', path: 'refused' },
];

const PATHS = ['forwarded', 'split', 'refused', 'handed_off'] as const;

describe('real GraphQL clients against the gateway: the fast path answers as stitching does', () => {
  let twins: TwinGateways;
  let partner: TestPartner;
  let expiredSession: string;

  beforeAll(async () => {
    twins = await startTwinGateways();
    twins.fast.sandbox.control.setBucket({ maximumAvailable: 1e9, restoreRate: 1e9 });
    partner = await createTestPartner(twins.fast);
    expect((await installAccount(twins.fast, partner, 'north', { accountName: 'North Lawn Care' })).callbackStatus).toBe(200);
    const session = await postGraphql(twins.fast.url, { query: 'mutation { createAccountSession(accountId: "north", ttlSeconds: 1) { token } }' }, partner.headers());
    expiredSession = (session.body.data?.createAccountSession as { token: string }).token;
    await new Promise((resolve) => setTimeout(resolve, 1200));
  }, 60_000);
  afterAll(() => twins.close());
  afterEach(() => twins.fast.sandbox.control.setGraphqlFailure({ status: 502, count: 0 }));

  const runs = SCENARIOS.flatMap((scenario) => CLIENTS.map((client) => [scenario.label, CLIENT_SHAPES[client].name, scenario, client] as const));

  test.each(runs)('when %s is sent by %s, then the answer is stitching\'s and the fast path metric says which path served it', async (_label, _name, scenario, client) => {
    const headers = scenario.caller === 'partner' ? partner.headers('north') : { authorization: `Bearer ${expiredSession}` };
    const operation = { query: scenario.query, kind: scenario.kind, ...(scenario.variables ? { variables: scenario.variables } : {}) };
    const countsBefore = await pathCounts(twins.fast);
    scenario.before?.(twins.fast);
    const fast = await createRealClient(client, `${twins.fast.url}/graphql`, headers).run(operation);
    const countsAfter = await pathCounts(twins.fast);
    twins.fast.sandbox.control.setGraphqlFailure({ status: 502, count: 0 });
    scenario.before?.(twins.stitched);
    const stitched = await createRealClient(client, `${twins.stitched.url}/graphql`, headers).run(operation);

    expect(fast.exchanges).toHaveLength(1);
    expect(comparable(fast.exchanges)).toStrictEqual(comparable(stitched.exchanges));
    expect(fast.result).toStrictEqual(stitched.result);
    expect(Object.fromEntries(PATHS.map((p) => [p, countsAfter[p] - countsBefore[p]]))).toEqual(Object.fromEntries(PATHS.map((p) => [p, p === scenario.path ? 1 : 0])));
    // The client's own shape reached the gateway (urql's queries as GET).
    expect(fast.exchanges[0]!.method).toBe(scenario.kind === 'query' ? CLIENT_SHAPES[client].queryMethod : 'POST');
  });
});

/** What a client sees of an exchange: status, media type, Allow and the parsed body (Apollo ends its bodies with a newline). */
function comparable(exchanges: Exchange[]) {
  return exchanges.map((e) => ({ status: e.status, contentType: e.contentType, allow: e.allow, body: JSON.parse(e.responseBody) as unknown, keys: Object.keys(JSON.parse(e.responseBody) as object) }));
}

async function pathCounts(gateway: TestGateway): Promise<Record<(typeof PATHS)[number], number>> {
  const counts = await Promise.all(PATHS.map((p) => readFastPathCount(gateway, p)));
  return Object.fromEntries(PATHS.map((p, i) => [p, counts[i]!])) as Record<(typeof PATHS)[number], number>;
}
