/**
 * The request shapes the common GraphQL clients send, as recorded from the libraries themselves (the
 * real-client suite, test/integration/clients/realClients.test.ts, runs each library against a recording
 * server and asserts these). The bench and the fast path corpus use them.
 */
export interface ClientShape {
  /** Short name used in bench rows and test names. */
  name: string;
  /** The library and version measured. */
  library: string;
  /** How it sends a query (mutations always go as POST). */
  queryMethod: 'GET' | 'POST';
  /** The Accept header it sends, byte for byte. */
  accept: string;
}

export const CLIENT_SHAPES = {
  apollo: {
    name: 'Apollo Client',
    library: '@apollo/client 4.3.8 HttpLink',
    queryMethod: 'POST',
    accept: 'application/graphql-response+json,application/json;q=0.9',
  },
  urql: {
    name: 'urql',
    library: '@urql/core 6.0.3 (default preferGetMethod)',
    queryMethod: 'GET',
    accept: 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed',
  },
  graphqlRequest: {
    name: 'graphql-request',
    library: 'graphql-request 7.4.0',
    queryMethod: 'POST',
    accept: 'application/graphql-response+json, application/json',
  },
  graphiql: {
    name: 'GraphiQL',
    library: '@graphiql/toolkit 0.12.1 createGraphiQLFetcher',
    queryMethod: 'POST',
    accept: 'application/json, multipart/mixed',
  },
} as const satisfies Record<string, ClientShape>;

/** A GET URL's search string the way urql builds it: query, operationName, variables (JSON), extensions (JSON). */
export function searchOf(request: { query: string; operationName?: string | null; variables?: unknown; extensions?: unknown }): string {
  const params = new URLSearchParams({ query: request.query });
  if (request.operationName) params.set('operationName', request.operationName);
  if (request.variables !== undefined) params.set('variables', JSON.stringify(request.variables));
  if (request.extensions !== undefined) params.set('extensions', JSON.stringify(request.extensions));
  return params.toString();
}
