import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { Client, fetchExchange } from '@urql/core';
import { GraphQLClient } from 'graphql-request';
import type { CLIENT_SHAPES } from '../../../../bench/clientShapes';

export type ClientName = keyof typeof CLIENT_SHAPES;

/** One HTTP exchange a client library made, as it went over the wire. */
export interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: string | undefined;
  status: number;
  contentType: string | null;
  allow: string | null;
  responseBody: string;
}

/** What the library handed its caller, reduced to plain JSON (data, and its error's kind and messages). */
export interface LibraryResult {
  data: unknown;
  error: { kind: string; messages: string[] } | null;
}

export interface RealClient {
  run(operation: { query: string; variables?: Record<string, unknown>; kind: 'query' | 'mutation' }): Promise<{ result: LibraryResult; exchanges: Exchange[] }>;
}

/**
 * A real client library pointed at `endpoint` with `headers` (credentials), its fetch wrapped to record
 * what went over the wire. Each library is used the way its docs show; caching is off so every call
 * reaches the gateway.
 */
export function createRealClient(name: ClientName, endpoint: string, headers: Record<string, string>): RealClient {
  const exchanges: Exchange[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const requestBody = request.method === 'GET' ? undefined : await request.clone().text();
    const response = await fetch(request);
    const responseBody = await response.clone().text();
    exchanges.push({
      method: request.method,
      url: request.url,
      requestHeaders: Object.fromEntries(request.headers),
      requestBody,
      status: response.status,
      contentType: response.headers.get('content-type'),
      allow: response.headers.get('allow'),
      responseBody,
    });
    return response;
  };
  const take = () => exchanges.splice(0, exchanges.length);

  switch (name) {
    case 'apollo': {
      const client = new ApolloClient({ link: new HttpLink({ uri: endpoint, headers, fetch: recordingFetch }), cache: new InMemoryCache() });
      return {
        async run({ query, variables, kind }) {
          const document = gql(query);
          const outcome =
            kind === 'query'
              ? await client.query({ query: document, ...(variables ? { variables } : {}), fetchPolicy: 'no-cache', errorPolicy: 'all' })
              : await client.mutate({ mutation: document, ...(variables ? { variables } : {}), fetchPolicy: 'no-cache', errorPolicy: 'all' });
          return { result: { data: outcome.data ?? null, error: describeError(outcome.error) }, exchanges: take() };
        },
      };
    }
    case 'urql': {
      const client = new Client({ url: endpoint, exchanges: [fetchExchange], fetch: recordingFetch, fetchOptions: { headers }, requestPolicy: 'network-only' });
      return {
        async run({ query, variables, kind }) {
          const outcome = kind === 'query' ? await client.query(query, variables ?? {}).toPromise() : await client.mutation(query, variables ?? {}).toPromise();
          return { result: { data: outcome.data ?? null, error: describeError(outcome.error) }, exchanges: take() };
        },
      };
    }
    case 'graphqlRequest': {
      const client = new GraphQLClient(endpoint, { headers, fetch: recordingFetch, errorPolicy: 'all' });
      return {
        async run({ query, variables }) {
          try {
            const outcome = await client.rawRequest(query, variables);
            const errors = (outcome as { errors?: { message: string }[] }).errors;
            return { result: { data: outcome.data ?? null, error: errors ? { kind: 'GraphQLErrors', messages: errors.map((e) => e.message) } : null }, exchanges: take() };
          } catch (error) {
            return { result: { data: null, error: describeError(error) }, exchanges: take() };
          }
        },
      };
    }
    case 'graphiql': {
      const fetcher = createGraphiQLFetcher({ url: endpoint, headers, fetch: recordingFetch });
      return {
        async run({ query, variables }) {
          const outcome = await fetcher({ query, ...(variables ? { variables } : {}), operationName: null }, {});
          const parts: unknown[] = [];
          if (outcome && typeof outcome === 'object' && Symbol.asyncIterator in outcome) {
            for await (const part of outcome as AsyncIterable<unknown>) parts.push(part);
          } else {
            parts.push(outcome);
          }
          const last = (parts.at(-1) ?? null) as { data?: unknown; errors?: { message: string }[] } | null;
          return { result: { data: last?.data ?? null, error: last?.errors ? { kind: 'GraphQLErrors', messages: last.errors.map((e) => e.message) } : null }, exchanges: take() };
        },
      };
    }
  }
}

/** A library's error as plain JSON: its class name and the messages it carries. */
function describeError(error: unknown): LibraryResult['error'] {
  if (error === undefined || error === null) return null;
  const errors = (error as { errors?: { message: string }[]; graphQLErrors?: { message: string }[]; response?: { errors?: { message: string }[] } }).errors ??
    (error as { graphQLErrors?: { message: string }[] }).graphQLErrors ??
    (error as { response?: { errors?: { message: string }[] } }).response?.errors;
  const kind = (error as { constructor?: { name?: string } }).constructor?.name ?? 'Error';
  return { kind, messages: errors ? errors.map((e) => e.message) : [String((error as Error).message)] };
}
