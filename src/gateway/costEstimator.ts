import { parse, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { measureQueryCost, type QueryCostMeasure } from '../jobber/estimateQueryCost';
import type { JobberRequest } from './jobberForwardTypes';

export interface CostEstimatorOptions {
  /** Parsed documents kept by query text (dropped whole when full: O(1), never unbounded). Default 1000. */
  maxDocuments?: number;
  /** Steps one estimate may take (measureQueryCost's `maxNodes`). Default DEFAULT_MAX_COST_NODES. */
  maxNodes?: number;
  /** Costs kept per query text, one per operation and set of values of the variables the cost reads (dropped whole when full). Default 32. */
  maxCostsPerText?: number;
}

/** Longest key of variable values whose cost is kept (a longer one is measured every time), in characters. */
const MAX_VALUES_KEY_LENGTH = 256;

/**
 * Jobber's requested cost of a forwarded request, linear in the document (measureQueryCost), with
 * parsed documents cached by query text. A cost reads only the variables used in `first`, `last` and
 * `if` arguments, so it is kept per query text, operation and those variables' values: a client's
 * query sent again with other ids costs no walk (the walk allocates a map per selection set, about
 * 6 KB a request in the bench). Throws only on a query that does not parse.
 */
export function createCostEstimator(schema: GraphQLSchema, options: CostEstimatorOptions = {}): (request: JobberRequest) => QueryCostMeasure {
  const maxDocuments = options.maxDocuments ?? 1000;
  const maxCosts = options.maxCostsPerText ?? 32;
  const documents = new Map<string, DocumentNode>();
  /**
   * Per query text (dropped whole when full, like `documents`): what its cost reads, and its costs by
   * operation and values. By text, not by document: stitching hands over a new document per request,
   * printed to the same text.
   */
  const costs = new Map<string, { reads: readonly string[]; byKey: Map<string, QueryCostMeasure> }>();
  const measure = (document: DocumentNode, request: JobberRequest) =>
    measureQueryCost(schema, document, {
      variables: request.variables ?? null,
      operationName: request.operationName ?? null,
      ...(options.maxNodes === undefined ? {} : { maxNodes: options.maxNodes }),
    });

  return (request) => {
    let document = request.document ?? documents.get(request.query);
    if (!document) {
      document = parse(request.query, { noLocation: true });
      if (documents.size >= maxDocuments) documents.clear();
      documents.set(request.query, document);
    }
    let known = costs.get(request.query);
    if (!known) {
      if (costs.size >= maxDocuments) costs.clear();
      costs.set(request.query, (known = { reads: findCostVariables(document), byKey: new Map() }));
    }
    const key = buildValuesKey(request.operationName ?? null, known.reads, request.variables ?? null);
    if (key.length > MAX_VALUES_KEY_LENGTH) return measure(document, request);
    const cached = known.byKey.get(key);
    if (cached) return cached;
    const measured = measure(document, request);
    if (known.byKey.size >= maxCosts) known.byKey.clear();
    known.byKey.set(key, measured);
    return measured;
  };
}

/** The names of the variables used (anywhere in their values) by `first`, `last` and `if` arguments: all a cost reads. Sorted. */
export function findCostVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  let inCostArgument = 0;
  visit(document, {
    Argument: {
      enter: (node) => void (['first', 'last', 'if'].includes(node.name.value) && inCostArgument++),
      leave: (node) => void (['first', 'last', 'if'].includes(node.name.value) && inCostArgument--),
    },
    Variable: (node) => void (inCostArgument > 0 && names.add(node.name.value)),
  });
  return [...names].sort();
}

/**
 * The operation and the values of `names`, one string each way to tell them apart: a variable absent
 * (its default applies) is `0`, a present one its value in an array (JSON keeps values apart).
 */
export function buildValuesKey(operationName: string | null, names: readonly string[], variables: Record<string, unknown> | null): string {
  const values = names.map((name) => (variables !== null && Object.hasOwn(variables, name) ? [variables[name]] : 0));
  return JSON.stringify([operationName, values]);
}

