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
export function searchOf(request: { query: string; operationName?: string | null | undefined; variables?: unknown; extensions?: unknown }): string {
  const params = new URLSearchParams({ query: request.query });
  if (request.operationName) params.set('operationName', request.operationName);
  if (request.variables !== undefined) params.set('variables', JSON.stringify(request.variables));
  if (request.extensions !== undefined) params.set('extensions', JSON.stringify(request.extensions));
  return params.toString();
}

/** One request as a real client sends it (see ClientRequest in loadPhases.ts). */
export interface ShapedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Request number `i` of `operation` as `client` sends it: the same method, URL shape, header set and
 * body layout the libraries were seen to send (Apollo Client adds `extensions.clientLibrary` and puts
 * the query last; urql puts everything in the URL and sends no content type on GET).
 */
export function shapeRequest(
  client: keyof typeof CLIENT_SHAPES,
  endpointPath: string,
  credentials: Record<string, string>,
  operation: { query: string; operationName: string; variables: Record<string, unknown> },
): ShapedRequest {
  const { accept } = CLIENT_SHAPES[client];
  const { query, operationName, variables } = operation;
  switch (client) {
    case 'apollo':
      return {
        method: 'POST',
        path: endpointPath,
        headers: { accept, 'content-type': 'application/json', ...credentials },
        body: JSON.stringify({ operationName, variables, extensions: { clientLibrary: { name: '@apollo/client', version: '4.3.8' } }, query }),
      };
    case 'urql':
      return { method: 'GET', path: `${endpointPath}?${searchOf({ query, operationName, variables })}`, headers: { accept, ...credentials } };
    case 'graphqlRequest':
      return { method: 'POST', path: endpointPath, headers: { ...credentials, accept, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables, operationName }) };
    case 'graphiql':
      return { method: 'POST', path: endpointPath, headers: { 'content-type': 'application/json', accept, ...credentials }, body: JSON.stringify({ query, variables, operationName }) };
  }
}

/**
 * Apollo Client 4 with its PersistedQueryLink (@apollo/client/link/persisted-queries) in front of HttpLink,
 * for a query the gateway knows by hash: a POST whose body names the document by hash alone (no `query`),
 * as test/integration/trusted/trustedDocuments.test.ts records it from the library.
 */
export function shapePersistedApolloRequest(
  endpointPath: string,
  credentials: Record<string, string>,
  operation: { sha256Hash: string; operationName: string; variables: Record<string, unknown> },
): ShapedRequest {
  const { sha256Hash, operationName, variables } = operation;
  return {
    method: 'POST',
    path: endpointPath,
    headers: { accept: CLIENT_SHAPES.apollo.accept, 'content-type': 'application/json', ...credentials },
    body: JSON.stringify({ operationName, variables, extensions: { clientLibrary: { name: '@apollo/client', version: '4.3.8' }, persistedQuery: { version: 1, sha256Hash } } }),
  };
}
