import { gzipSync } from 'node:zlib';
import { getIntrospectionQuery } from 'graphql';
import type { Sandbox } from '../../../src/sandbox/sandbox';
import { MAX_VALIDATION_ERRORS } from '../../../src/limits/queryLimits';
import { postGraphql, startInstalledGateway, type TestGateway, type TestPartner } from '../../support/testGateway';

const times = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join(' ');

/** Each case: a query past one default limit, and the limit QUERY_TOO_COMPLEX must name. */
const PAST_A_LIMIT: [string, string, string, number][] = [
  ['5001 tokens', `{ account { ${times(4998, () => 'id')} } }`, 'maxTokens', 5000],
  ['2000 nested selections (graphql-js overflowed its stack here)', `{ ${'account { '.repeat(2000)}id${' }'.repeat(2000)} }`, 'maxDepth', 20],
  ['21 levels of fields', `{ clients { nodes { ${'jobs { nodes { client { '.repeat(6)}id${' } } }'.repeat(6)} } } }`, 'maxDepth', 20],
  ['51 aliases', `{ clients { nodes { ${times(51, (i) => `a${i}: id`)} } } }`, 'maxAliases', 50],
  ['31 root fields', `{ ${times(31, (i) => `a${i}: account { id }`)} }`, 'maxRootFields', 30],
  ['11 directives on a field', `query($t: Boolean!) { account { id ${times(11, () => '@include(if: $t)')} } }`, 'maxDirectives', 10],
  ['one field selected 21 times at one place', `{ account { ${times(21, () => 'id')} } }`, 'maxFieldRepeats', 20],
];

describe.each([
  ['the fast path', true],
  ['stitching alone', false],
])('parser and validation limits through %s', (_name, fastPath) => {
  let sandbox: Sandbox;
  let gateway: TestGateway;
  let partner: TestPartner;

  beforeAll(async () => {
    ({ gateway, partner } = await startInstalledGateway([{ accountId: 'acct', accountName: 'Limits Co' }], { fastPath }));
    sandbox = gateway.sandbox;
  });
  afterAll(() => gateway.close());

  test.each(PAST_A_LIMIT)('when a partner sends %s, then 400 QUERY_TOO_COMPLEX names the limit and its value, and Jobber is not called', async (_case, query, limit, maximum) => {
    const before = sandbox.control.counters().graphqlCalls;
    const answer = await postGraphql(gateway.url, { query }, partner.headers('acct'));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit, maximum });
    expect(answer.body.errors?.[0]?.message).toContain(`(${limit}: ${maximum})`);
    expect(answer.body.data).toBeUndefined();
    expect(sandbox.control.counters().graphqlCalls).toBe(before);
  });

  test('when an anonymous caller sends a query past a limit, then Apollo refuses it with the same error before anything else', async () => {
    const answer = await postGraphql(gateway.url, { query: `{ __schema { ${'types { fields { type { '.repeat(10)}name${' } } }'.repeat(10)} } }` });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', maximum: 20 });
  });

  test('when variables nest 100 000 levels deep (JSON.stringify overflowed on them), then 400 QUERY_TOO_COMPLEX names maxDepth', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...partner.headers('acct') },
      body: `{"query":"{ account { id } }","variables":{"unused":${deep}}}`,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { extensions: unknown }[] }).errors[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', maximum: 20 });
  });

  test('when a GET carries variables nested 50 levels, then 400 QUERY_TOO_COMPLEX names maxDepth', async () => {
    const search = new URLSearchParams({ query: '{ account { id } }', variables: `{"v":${'['.repeat(50)}${']'.repeat(50)}}` });
    const response = await fetch(`${gateway.url}/graphql?${search}`, { headers: { accept: 'application/json', ...partner.headers('acct') } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { extensions: unknown }[] }).errors[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', maximum: 20 });
  });

  test('when a gzip body inflates to JSON nested 100 000 levels (what the fast path does not read), then 400 QUERY_TOO_COMPLEX', async () => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...partner.headers('acct') },
      body: gzipSync(`{"query":"{ account { id } }","variables":{"v":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { extensions: unknown }[] }).errors[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'maxDepth', maximum: 20 });
  });

  test('when variables nest exactly as deep as allowed, then the request is served', async () => {
    const answer = await postGraphql(gateway.url, { query: '{ account { id } }', variables: { v: JSON.parse(`${'['.repeat(42)}${']'.repeat(42)}`) as unknown } }, partner.headers('acct'));
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });

  test(`when 1000 unknown fields are selected, then validation reports ${MAX_VALIDATION_ERRORS} of them and stops`, async () => {
    const answer = await postGraphql(gateway.url, { query: `{ account { ${times(1000, (i) => `nope${i}`)} } }` }, partner.headers('acct'));
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.every((error) => error.extensions?.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(answer.body.errors?.map((error) => error.message)).toEqual([
      ...Array.from({ length: MAX_VALIDATION_ERRORS }, (_, i) => expect.stringContaining(`Cannot query field "nope${i}" on type "Account".`)),
      'Too many validation errors, error limit reached. Validation aborted.',
    ]);
  });

  test('when a subscription is sent, then 400 BAD_REQUEST says none are served', async () => {
    const answer = await postGraphql(gateway.url, { query: 'subscription { __typename }' }, partner.headers('acct'));
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  test('when a GET carries a query past a limit, then it is refused the same way', async () => {
    const search = new URLSearchParams({ query: `{ account { ${times(21, () => 'id')} } }` });
    const response = await fetch(`${gateway.url}/graphql?${search}`, { headers: { accept: 'application/json', ...partner.headers('acct') } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { extensions: unknown }[] }).errors[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'maxFieldRepeats', maximum: 20 });
  });

  test("when the explorer introspects anonymously with GraphiQL's full query, then it is answered (the defaults admit it)", async () => {
    const query = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true, directiveIsRepeatable: true, specifiedByUrl: true });
    const answer = await postGraphql(gateway.url, { query, operationName: 'IntrospectionQuery' });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.__schema?.queryType?.name).toBe('Query');
  });

  test('when a query sits exactly at every limit it touches, then Jobber answers it', async () => {
    const query = `{ ${times(29, (i) => `a${i}: account { id }`)} clients { nodes { ${times(21, (i) => `n${i}: name`)} ${times(20, () => 'id')} } } }`;
    const answer = await postGraphql(gateway.url, { query }, partner.headers('acct'));
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.a0?.id).toBeDefined();
  });
});
