import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { measureQueryCost, type QueryCostMeasure } from '../jobber/estimateQueryCost';
import type { JobberRequest } from './jobberForwardTypes';

export interface CostEstimatorOptions {
  /** Parsed documents kept by query text (dropped whole when full: O(1), never unbounded). Default 1000. */
  maxDocuments?: number;
  /** Steps one estimate may take (measureQueryCost's `maxNodes`). Default DEFAULT_MAX_COST_NODES. */
  maxNodes?: number;
}

/**
 * Jobber's requested cost of a forwarded request, linear in the document (measureQueryCost), with
 * parsed documents cached by query text. Throws only on a query that does not parse.
 */
export function createCostEstimator(schema: GraphQLSchema, options: CostEstimatorOptions = {}): (request: JobberRequest) => QueryCostMeasure {
  const maxDocuments = options.maxDocuments ?? 1000;
  const documents = new Map<string, DocumentNode>();
  return (request) => {
    let document = request.document ?? documents.get(request.query);
    if (!document) {
      document = parse(request.query, { noLocation: true });
      if (documents.size >= maxDocuments) documents.clear();
      documents.set(request.query, document);
    }
    return measureQueryCost(schema, document, {
      variables: request.variables ?? null,
      operationName: request.operationName ?? null,
      ...(options.maxNodes === undefined ? {} : { maxNodes: options.maxNodes }),
    });
  };
}
