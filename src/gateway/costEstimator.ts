import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { estimateQueryCost } from '../jobber/estimateQueryCost';
import type { JobberRequest } from './jobberForwarder';

/**
 * Jobber's requested cost of a forwarded request, with parsed documents cached by query text
 * (bounded: the cache is dropped whole when full, which keeps it O(1) and never unbounded).
 */
export function createCostEstimator(schema: GraphQLSchema, maxDocuments = 1000): (request: JobberRequest) => number {
  const documents = new Map<string, DocumentNode>();
  return (request) => {
    let document = request.document ?? documents.get(request.query);
    if (!document) {
      document = parse(request.query, { noLocation: true });
      if (documents.size >= maxDocuments) documents.clear();
      documents.set(request.query, document);
    }
    return estimateQueryCost(schema, document, { variables: request.variables ?? null, operationName: request.operationName ?? null });
  };
}
