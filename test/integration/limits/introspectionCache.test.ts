import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { buildSchema, getIntrospectionQuery } from 'graphql';
import { createIntrospectionCachePlugin } from '../../../src/limits/introspectionCachePlugin';

describe('createIntrospectionCachePlugin on a real ApolloServer', () => {
  let server: ApolloServer;
  let executions = 0;
  /** Counts the operations Apollo really executes (it skips the hook when a plugin answered). */
  const countExecutions: ApolloServerPlugin = { requestDidStart: async () => ({ executionDidStart: async () => void executions++ }) };

  beforeAll(async () => {
    server = new ApolloServer({
      schema: buildSchema('type Query { hello: String, other: Int }'),
      plugins: [createIntrospectionCachePlugin({ maxEntries: 2 }), countExecutions],
    });
    await server.start();
  });
  afterAll(() => server.stop());

  async function run(query: string, operationName?: string) {
    const response = await server.executeOperation({ query, ...(operationName ? { operationName } : {}) });
    if (response.body.kind !== 'single') throw new Error('not a single result');
    return response.body.singleResult;
  }

  test('when the same introspection comes twice, even with other whitespace, then it runs once and both answers are equal', async () => {
    executions = 0;
    const first = await run(getIntrospectionQuery(), 'IntrospectionQuery');
    const second = await run(`  ${getIntrospectionQuery().replace(/\n/g, '\n\n')}  # a comment`, 'IntrospectionQuery');
    expect(first.errors).toBeUndefined();
    expect(second).toEqual(first);
    expect(executions).toBe(1);
  });

  test('when queries are not introspection only, then they always run', async () => {
    executions = 0;
    await run('{ hello __typename }');
    await run('{ hello __typename }');
    expect(executions).toBe(2);
  });

  test('when more introspection documents than maxEntries come, then the least recently used runs again', async () => {
    executions = 0;
    await run('{ __schema { queryType { name } } }');
    await run('{ __type(name: "Query") { name } }');
    await run('{ __typename }');
    await run('{ __schema { queryType { name } } }');
    expect(executions).toBe(4);
    await run('{ __typename }');
    expect(executions).toBe(4);
  });
});
