import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { JobberMessage, LATEST_JOBBER_API_VERSION } from '../../../src/jobber/jobberMessages';
import { APP, gql, postToken, refreshForm } from './sandboxRequests';

describe('sandbox GraphQL', () => {
  let sandbox: Sandbox;
  let nowMs = Date.now();
  const clock = { now: () => nowMs };
  let accountId: string;
  let token: string;

  beforeAll(async () => {
    sandbox = await createSandbox({ apps: [APP], clock });
    accountId = sandbox.control.createAccount({ name: 'Acme Lawn Care' }).id;
    token = sandbox.control.issueTokensDirect({ clientId: APP.clientId, accountId }).access_token;
  });
  afterAll(() => sandbox.close());

  const freshInstall = (name: string) => {
    const id = sandbox.control.createAccount({ name }).id;
    return { id, ...sandbox.control.issueTokensDirect({ clientId: APP.clientId, accountId: id }) };
  };

  test('when the call has a live token, the version and JSON, then it answers data with extensions.cost', async () => {
    const { status, body } = await gql(sandbox.url, '{ account { id name } }', { token });
    expect(status).toBe(200);
    expect(body.data.account).toEqual({ id: accountId, name: 'Acme Lawn Care' });
    expect(body.extensions.cost).toEqual({
      requestedQueryCost: 3,
      actualQueryCost: 3,
      throttleStatus: { maximumAvailable: 10000, currentlyAvailable: expect.any(Number), restoreRate: 500 },
    });
    expect(body.extensions.versioning).toBeUndefined();
  });

  test('when the version is older than the latest, then extensions.versioning says it was upgraded', async () => {
    const { body } = await gql(sandbox.url, '{ account { id } }', { token, version: '2022-03-10' });
    expect(body.extensions.versioning).toEqual({ version: LATEST_JOBBER_API_VERSION, warning: expect.any(String) });
  });

  test('when the sandbox is told which version is current, then that version is answered without a warning and older ones are upgraded to it', async () => {
    const snapshotSandbox = await createSandbox({ apps: [APP], apiVersion: '2022-03-10' });
    try {
      const id = snapshotSandbox.control.createAccount({ name: 'Snapshot Co' }).id;
      const snapshotToken = snapshotSandbox.control.issueTokensDirect({ clientId: APP.clientId, accountId: id }).access_token;
      const current = await gql(snapshotSandbox.url, '{ account { name } }', { token: snapshotToken, version: '2022-03-10' });
      expect(current.body.data.account).toEqual({ name: 'Snapshot Co' });
      expect(current.body.extensions.versioning).toBeUndefined();
      const older = await gql(snapshotSandbox.url, '{ account { name } }', { token: snapshotToken, version: '2021-06-01' });
      expect(older.body.extensions.versioning).toEqual({ version: '2022-03-10', warning: expect.stringContaining('2021-06-01') });
    } finally {
      await snapshotSandbox.close();
    }
  });

  test.each([
    ['no Authorization header', 'invalid_request', undefined],
    ['a token that is not a JWT', 'invalid_request', 'not-a-token'],
    ['a JWT signed by someone else', 'invalid_request', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
  ])('when the call has %s, then it answers 401 %s', async (_name, error, bad) => {
    const { status, body } = await gql(sandbox.url, '{ account { id } }', { token: bad });
    expect(status).toBe(401);
    expect(body.error).toBe(error);
  });

  test('when the version header is missing, then it answers 400', async () => {
    const { status, body } = await gql(sandbox.url, '{ account { id } }', { token, version: null });
    expect(status).toBe(400);
    expect(body.errors[0].message).toMatch(/X-JOBBER-GRAPHQL-VERSION/);
  });

  test('when the body is a form, then it answers 415', async () => {
    const { status } = await gql(sandbox.url, '', { token, contentType: 'application/x-www-form-urlencoded', rawBody: 'query=%7Baccount%7Bid%7D%7D' });
    expect(status).toBe(415);
  });

  test.each([
    ['invalid JSON', '{"query": ', 400],
    ['a JSON array', '[1,2]', 400],
    ['no query', '{"variables":{}}', 400],
  ])('when the body is %s, then it answers a 4xx and the sandbox keeps serving', async (_name, rawBody, expected) => {
    expect((await gql(sandbox.url, '', { token, rawBody })).status).toBe(expected);
    expect((await gql(sandbox.url, '{ account { id } }', { token })).status).toBe(200);
  });

  test('when the query does not validate, then it answers 200 with GraphQL errors', async () => {
    const { status, body } = await gql(sandbox.url, '{ account { noSuchField } }', { token });
    expect(status).toBe(200);
    expect(body.errors[0].message).toMatch(/noSuchField/);
  });

  test('when the operation is a subscription, then it answers an error and runs nothing', async () => {
    const { status, body } = await gql(sandbox.url, 'subscription { activityFeed { __typename } }', { token });
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toMatch(/Subscriptions/);
  });

  test('when the access token has expired, then it answers 401 "Invalid Token Error"', async () => {
    const expiring = freshInstall('Expiring').access_token;
    nowMs += 3601_000;
    try {
      const { status, body } = await gql(sandbox.url, '{ account { id } }', { token: expiring });
      expect(status).toBe(401);
      expect(body.message).toBe(JobberMessage.INVALID_TOKEN);
    } finally {
      nowMs = Date.now();
    }
  });

  test('when clients are paged with first/after, then the pages hold every client once', async () => {
    const query = 'query($after: String) { clients(first: 50, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } totalCount } }';
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const { body } = await gql(sandbox.url, query, { token, variables: { after } });
      const page = body.data.clients;
      expect(page.totalCount).toBe(120);
      ids.push(...page.nodes.map((n: { id: string }) => n.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(120);
  });

  test('when paged backwards with last/before, and edges asked for, then cursors and nodes agree', async () => {
    const { body } = await gql(sandbox.url, '{ clients(last: 5) { edges { cursor node { id } } pageInfo { hasPreviousPage hasNextPage startCursor } } }', { token });
    const { edges, pageInfo } = body.data.clients;
    expect(edges).toHaveLength(5);
    expect(pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false, startCursor: edges[0].cursor });
    const before = await gql(sandbox.url, `{ clients(last: 2, before: "${edges[0].cursor}") { nodes { id } } }`, { token });
    expect(before.body.data.clients.nodes).toHaveLength(2);
    expect(before.body.data.clients.nodes.map((n: { id: string }) => n.id)).not.toContain(edges[0].node.id);
  });

  test('when the same account id exists in another sandbox, then its data is the same (deterministic)', async () => {
    const other = await createSandbox({ apps: [APP] });
    try {
      other.control.createAccount({ name: 'Acme Lawn Care', id: accountId });
      const otherToken = other.control.issueTokensDirect({ clientId: APP.clientId, accountId }).access_token;
      const query = '{ clients(first: 5) { nodes { id name } } jobs(first: 3) { nodes { id title total client { id } } } }';
      const mine = await gql(sandbox.url, query, { token });
      const theirs = await gql(other.url, query, { token: otherToken });
      expect(theirs.body.data).toEqual(mine.body.data);
    } finally {
      await other.close();
    }
  });

  test('when single items and relations are asked for, then they are the listed ones', async () => {
    const list = await gql(sandbox.url, '{ jobs(first: 1) { nodes { id client { id name } property { id client { id } } } } }', { token });
    const job = list.body.data.jobs.nodes[0];
    expect(job.property.client.id).toBe(job.client.id);
    const one = await gql(sandbox.url, 'query($id: EncodedId!) { job(id: $id) { id } client(id: $id) { id } }', { token, variables: { id: job.id } });
    expect(one.body.data).toEqual({ job: { id: job.id }, client: null });
    for (const root of ['quotes', 'invoices', 'properties', 'requests']) {
      const r = await gql(sandbox.url, `{ ${root}(first: 2) { nodes { id } totalCount } }`, { token });
      expect(r.body.data[root].nodes).toHaveLength(2);
    }
  });

  test('when the schema is introspected, then it is the whole snapshot (Query 111 fields, Mutation 191, Subscription kept)', async () => {
    const { body } = await gql(
      sandbox.url,
      '{ __schema { types { name } } q: __type(name: "Query") { fields(includeDeprecated: true) { name } } m: __type(name: "Mutation") { fields(includeDeprecated: true) { name } } s: __type(name: "Subscription") { name } }',
      { token },
    );
    expect(body.data.q.fields).toHaveLength(111);
    expect(body.data.m.fields).toHaveLength(191);
    expect(body.data.s).toEqual({ name: 'Subscription' });
    console.log(`sandbox schema built in ${sandbox.schemaLoadMs} ms`);
  });

  test('when a field has no real resolver, then it is mocked from its type', async () => {
    const { body } = await gql(sandbox.url, '{ user { id fullName timezone isCurrentUser } account { companyDetails { __typename } } }', { token });
    expect(body.errors).toBeUndefined();
    expect(body.data.user.fullName).toEqual(expect.any(String));
    expect(body.data.account.companyDetails.__typename).toBe('AccountCompanyDetails');
  });

  test('when clientCreate, clientEdit and jobCreate run, then later queries see the changes', async () => {
    const install = freshInstall('Mutations');
    const created = await gql(
      sandbox.url,
      'mutation { clientCreate(input: { firstName: "Zed", lastName: "Zulu", properties: [{ address: { street1: "1 Main", city: "Calgary" } }] }) { client { id name clientProperties { nodes { id } } } userErrors { message } } }',
      { token: install.access_token },
    );
    const client = created.body.data.clientCreate.client;
    expect(client.name).toBe('Zed Zulu');
    const edited = await gql(sandbox.url, 'mutation($id: EncodedId!) { clientEdit(clientId: $id, input: { firstName: "Zoe" }) { client { name } userErrors { message } } }', {
      token: install.access_token,
      variables: { id: client.id },
    });
    expect(edited.body.data.clientEdit.client.name).toBe('Zoe Zulu');
    const job = await gql(
      sandbox.url,
      'mutation($p: EncodedId!) { jobCreate(input: { propertyId: $p, title: "Mow", invoicing: { invoicingType: FIXED_PRICE, invoicingSchedule: ON_COMPLETION }, scheduling: { createVisits: false, notifyTeam: false } }) { job { id title client { id } } userErrors { message } } }',
      { token: install.access_token, variables: { p: client.clientProperties.nodes[0].id } },
    );
    expect(job.body.errors).toBeUndefined();
    expect(job.body.data.jobCreate.job).toMatchObject({ title: 'Mow', client: { id: client.id } });
    const after = await gql(sandbox.url, 'query($id: EncodedId!) { client(id: $id) { name jobs { totalCount } } clients { totalCount } }', {
      token: install.access_token,
      variables: { id: client.id },
    });
    expect(after.body.data).toEqual({ client: { name: 'Zoe Zulu', jobs: { totalCount: 1 } }, clients: { totalCount: 121 } });
  });

  test('when clientCreate has no name, then userErrors say so and client is null', async () => {
    const { body } = await gql(sandbox.url, 'mutation { clientCreate(input: {}) { client { id } userErrors { message path } } }', { token });
    expect(body.data.clientCreate.client).toBeNull();
    expect(body.data.clientCreate.userErrors[0].message).toEqual(expect.any(String));
  });

  test('when appDisconnect runs, then the token and refresh token die and calls answer the disconnect message', async () => {
    const install = freshInstall('Leaving');
    const { body } = await gql(sandbox.url, 'mutation { appDisconnect { app { name } userErrors { message } } }', { token: install.access_token });
    expect(body.data.appDisconnect).toEqual({ app: { name: APP.name }, userErrors: [] });
    const after = await gql(sandbox.url, '{ account { id } }', { token: install.access_token });
    expect(after.status).toBe(401);
    expect(after.body.message).toBe(JobberMessage.DISCONNECTED);
    expect((await postToken(sandbox.url, refreshForm(install.refresh_token))).body.error).toBe('invalid_grant');
  });

  test('when GraphQL failures are injected, then the next calls answer that status and later ones recover', async () => {
    sandbox.control.setGraphqlFailure({ status: 503, count: 2 });
    expect((await gql(sandbox.url, '{ account { id } }', { token })).status).toBe(503);
    expect((await gql(sandbox.url, '{ account { id } }', { token })).status).toBe(503);
    expect((await gql(sandbox.url, '{ account { id } }', { token })).status).toBe(200);
  });

  test('when calls arrive, then counters and recent headers record them per account', async () => {
    sandbox.control.resetCounters();
    await gql(sandbox.url, '{ account { id } }', { token });
    const counters = sandbox.control.counters();
    expect(counters.graphqlCalls).toBe(1);
    expect(counters.graphqlCallsByAccount).toEqual({ [accountId]: 1 });
    const headers = sandbox.control.lastGraphqlHeaders().at(-1);
    expect(headers).toMatchObject({ authorization: `Bearer ${token}`, 'x-jobber-graphql-version': '2025-04-16' });
  });

  test('when the control API is used over HTTP, then it answers JSON results and 400 for bad input', async () => {
    const post = (method: string, body: unknown) =>
      fetch(`${sandbox.url}/__sandbox/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await post('createAccount', { name: 'Over HTTP' });
    expect(((await created.json()) as { result: { name: string } }).result.name).toBe('Over HTTP');
    const counters = await fetch(`${sandbox.url}/__sandbox/counters`);
    expect(((await counters.json()) as { result: { graphqlCalls: number } }).result.graphqlCalls).toEqual(expect.any(Number));
    expect((await post('setGraphqlFailure', { status: 418, count: 1 })).status).toBe(400);
    expect((await post('noSuchMethod', {})).status).toBe(404);
    expect((await post('registerApp', { clientId: 'x' })).status).toBe(400);
    expect((await post('registerApp', { clientId: 'x', clientSecret: 'y', redirectUri: 'not a url' })).status).toBe(400);
  });
});
