import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../gateway/requestContext';

/**
 * Apollo's side of trusted documents. Apollo's own persisted queries are off (its cache is one per process
 * for all tenants, and it would run a hash before the gateway could admit it); the context function has
 * already admitted the request (admitForApollo) and, for a hash, found its text. Before Apollo reads the
 * request (requestDidStart runs first), the text goes in and `extensions.persistedQuery` comes out, so
 * Apollo runs the admitted text as an ordinary query.
 */
export function buildTrustedDocumentPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      if (contextValue.admittedQuery !== undefined) request.query = contextValue.admittedQuery;
      if (request.extensions && 'persistedQuery' in request.extensions) {
        const { persistedQuery: _admitted, ...rest } = request.extensions;
        request.extensions = rest;
      }
    },
  };
}
