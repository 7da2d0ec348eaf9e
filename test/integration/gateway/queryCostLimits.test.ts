import { DEFAULT_QUERY_LIMITS } from '../../../src/limits/queryLimits';
import type { Sandbox } from '../../../src/sandbox/sandbox';
import { postGraphql, startInstalledGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

/** The 965-byte query of issue 12: 24 fragments, each spreading the previous one twice. */
function fragmentBomb(levels: number): string {
  let text = `query { account { ...F${levels - 1} } }\nfragment F0 on Account { id name }\n`;
  for (let i = 1; i < levels; i++) text += `fragment F${i} on Account { ...F${i - 1} ...F${i - 1} }\n`;
  return text;
}

/** 21 aliased client lists without `first` (100 each) of 5 fields: 21 * 500 = 10500 points, above Jobber's 10000. */
const COSTLY = `{ ${Array.from({ length: 21 }, (_, i) => `c${i}: clients { nodes { id name firstName lastName companyName } }`).join(' ')} }`;

describe.each([
  ['the fast path', true],
  ['stitching', false],
])('query cost limits through %s', (_name, fastPath) => {
  let sandbox: Sandbox;
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    ({ gateway, partner } = await startInstalledGateway([{ accountId: 'acct', accountName: 'Bomb Co' }], { fastPath }));
    sandbox = gateway.sandbox;
  });
  afterAll(() => gateway.close());

  test('when the fragment bomb names an account that is not installed, then it is answered CONNECTOR_NOT_INSTALLED, and /healthz sent beside it answers too', async () => {
    // Before the estimator was linear this request held the event loop for about 42 s (past the test's timeout).
    const [result, health] = await Promise.all([
      postGraphql(gateway.url, { query: fragmentBomb(24) }, partner.headers('nobody')),
      fetch(`${gateway.url}/healthz`),
    ]);
    expect(result.status).toBe(200);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('CONNECTOR_NOT_INSTALLED');
    expect(health.status).toBe(200);
  });

  test('when a 60-level fragment bomb is sent for an installed account, then Jobber answers it (its cost is 3)', async () => {
    const answer = await postGraphql(gateway.url, { query: fragmentBomb(60) }, partner.headers('acct'));
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.account?.name).toBe('Bomb Co');
    expect(answer.body.extensions?.cost?.requestedQueryCost).toBe(3);
  });

  test('when a query costs more than Jobber\'s bucket can hold, then QUERY_TOO_COSTLY with the estimate and the limit, HTTP 200, and Jobber is not called', async () => {
    const before = sandbox.control.counters().graphqlCalls;
    const answer = await postGraphql(gateway.url, { query: COSTLY }, partner.headers('acct'));
    expect(answer.status).toBe(200);
    expect(answer.body.errors?.length).toBeGreaterThan(0);
    for (const error of answer.body.errors ?? []) {
      expect(error.extensions).toEqual({ code: 'QUERY_TOO_COSTLY', estimatedCost: 10_500, maximumCost: 10_000 });
      expect(error.message).toMatch(/estimated cost \(10500\) exceeds .*10000/);
    }
    expect(sandbox.control.counters().graphqlCalls).toBe(before);
  });

  test('when a query costs exactly the bucket, then it is forwarded', async () => {
    const twenty = `{ ${Array.from({ length: 20 }, (_, i) => `c${i}: clients { nodes { id name firstName lastName companyName } }`).join(' ')} }`;
    const answer = await postGraphql(gateway.url, { query: twenty }, partner.headers('acct'));
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.extensions?.cost?.requestedQueryCost).toBe(10_000);
  });
});

describe('a cost estimate past its step budget', () => {
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    // 100 aliased root fields are past the default parser limits (50 aliases, 30 root fields): raised here, the step budget is what is tested.
    ({ gateway, partner } = await startInstalledGateway(['acct'], { config: { queryCostMaxNodes: 200, queryLimits: { ...DEFAULT_QUERY_LIMITS, maxAliases: 100, maxRootFields: 100 } } }));
  });
  afterAll(() => gateway.close());

  test('when estimating a query takes more steps than QUERY_COST_MAX_NODES, then QUERY_TOO_COSTLY names the limit and Jobber is not called', async () => {
    const before = gateway.sandbox.control.counters().graphqlCalls;
    const wide = `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: account { id }`).join(' ')} }`;
    const answer = await postGraphql(gateway.url, { query: wide }, partner.headers('acct'));
    expect(answer.status).toBe(200);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COSTLY', maximumCostSteps: 200 });
    expect(gateway.sandbox.control.counters().graphqlCalls).toBe(before);
    const small = await postGraphql(gateway.url, { query: '{ account { id name } }' }, partner.headers('acct'));
    expect(small.body.errors).toBeUndefined();
  });
});
