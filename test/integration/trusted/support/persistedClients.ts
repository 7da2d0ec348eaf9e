import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { print } from '@apollo/client/utilities';
import { Client, fetchExchange, gql as urqlGql, stringifyDocument } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** What Apollo Client 4's persisted-queries link hashes and sends for a query: the cache's document (with __typename), printed. */
export function apolloBody(query: string): string {
  return print(new InMemoryCache().transformDocument(gql(query)));
}

/** What urql's persisted exchange hashes and sends: the document as urql prints it. */
export function urqlBody(query: string): string {
  return stringifyDocument(urqlGql(query));
}

/** One HTTP exchange as it went over the wire. */
export interface WireExchange {
  method: string;
  url: string;
  /** The JSON body of a POST, or the URL parameters of a GET (variables and extensions parsed). */
  sent: { query?: string; extensions?: { persistedQuery?: { sha256Hash?: string; version?: number } } };
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

export interface PersistedClient {
  run(query: string, variables?: Record<string, unknown>): Promise<{ data: unknown; codes: string[]; exchanges: WireExchange[] }>;
}

/**
 * Apollo Client 4 with its PersistedQueryLink (sha256 from node:crypto, as its docs show) in front of
 * HttpLink, or urql 6 with @urql/exchange-persisted in front of fetchExchange (hash-only queries as GET, its
 * default), each with a fetch that records what went over the wire. Caching is off.
 */
export function createPersistedClient(name: 'apollo' | 'urql', endpoint: string, headers: Record<string, string>): PersistedClient {
  const exchanges: WireExchange[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    let sent: WireExchange['sent'];
    if (request.method === 'GET') {
      const params = new URL(request.url).searchParams;
      const extensions = params.get('extensions');
      sent = { ...(params.has('query') ? { query: params.get('query') as string } : {}), ...(extensions ? { extensions: JSON.parse(extensions) as WireExchange['sent']['extensions'] } : {}) };
    } else {
      sent = JSON.parse(await request.clone().text()) as WireExchange['sent'];
    }
    const response = await fetch(request);
    const text = await response.clone().text();
    exchanges.push({ method: request.method, url: request.url, sent, status: response.status, body: JSON.parse(text) as WireExchange['body'] });
    return response;
  };
  const take = () => exchanges.splice(0, exchanges.length);
  const codesOf = (errors: readonly { extensions?: { code?: unknown } }[] | undefined) => (errors ?? []).map((error) => String(error.extensions?.code));

  if (name === 'apollo') {
    const link = new PersistedQueryLink({ sha256 }).concat(new HttpLink({ uri: endpoint, headers, fetch: recordingFetch }));
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    return {
      async run(query, variables) {
        const outcome = await client.query({ query: gql(query), ...(variables ? { variables } : {}), fetchPolicy: 'no-cache', errorPolicy: 'all' });
        const errors = (outcome.error as { errors?: { extensions?: { code?: unknown } }[] } | undefined)?.errors;
        return { data: outcome.data ?? null, codes: codesOf(errors), exchanges: take() };
      },
    };
  }
  const client = new Client({ url: endpoint, exchanges: [persistedExchange(), fetchExchange], fetch: recordingFetch, fetchOptions: { headers }, requestPolicy: 'network-only' });
  return {
    async run(query, variables) {
      const outcome = await client.query(query, variables ?? {}).toPromise();
      return { data: outcome.data ?? null, codes: codesOf(outcome.error?.graphQLErrors), exchanges: take() };
    },
  };
}
