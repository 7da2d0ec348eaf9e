import { parse, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { measureQueryCost, type QueryCostMeasure } from '../jobber/estimateQueryCost';
import type { JobberRequest } from './jobberForwardTypes';

export interface CostEstimatorOptions {
  /** Query texts kept with their parsed document and costs (all dropped when full: O(1), never unbounded). Default 1000. */
  maxDocuments?: number;
  /** Characters of query text kept in all (dropped like entries). Default 4 Mi. */
  maxTextChars?: number;
  /** Steps one estimate may take (measureQueryCost's `maxNodes`). Default DEFAULT_MAX_COST_NODES. */
  maxNodes?: number;
  /** Costs kept per query text, one per operation and set of values of the variables the cost reads (dropped whole when full). Default 32. */
  maxCostsPerText?: number;
}

/** Longest key of variable values whose cost is kept (a longer one is measured every time), in characters. */
const MAX_VALUES_KEY_LENGTH = 256;
/** Longest query text kept (a longer one is parsed and measured every time), in characters: the fast path's own bound. */
const MAX_KEPT_TEXT_LENGTH = 65_536;

/** What is kept per query text: its document when this estimator parsed it, what its cost reads, its costs by key. */
interface KeptText {
  document: DocumentNode | undefined;
  reads: readonly string[];
  costs: Map<string, QueryCostMeasure>;
}

/**
 * Jobber's requested cost of a forwarded request, linear in the document (measureQueryCost). A cost
 * reads only the variables used in `first`, `last` and `if` arguments, so it is kept per query text,
 * operation and those variables' values: a client's query sent again with other ids costs no walk (the
 * walk allocates a map per selection set, about 6 KB a request in the bench). Kept by text, not by
 * document: stitching hands over a new document per request, printed to the same text. Throws only on
 * a query that does not parse.
 */
export function createCostEstimator(schema: GraphQLSchema, options: CostEstimatorOptions = {}): (request: JobberRequest) => QueryCostMeasure {
  const maxTexts = options.maxDocuments ?? 1000;
  const maxTextChars = options.maxTextChars ?? 4 * 1024 * 1024;
  const maxCosts = options.maxCostsPerText ?? 32;
  const kept = new Map<string, KeptText>();
  let keptChars = 0;
  const measure = (document: DocumentNode, request: JobberRequest) =>
    measureQueryCost(schema, document, {
      variables: request.variables ?? null,
      operationName: request.operationName ?? null,
      ...(options.maxNodes === undefined ? {} : { maxNodes: options.maxNodes }),
    });

  function keep(request: JobberRequest): KeptText | undefined {
    const { query } = request;
    const known = kept.get(query);
    if (known || query.length > MAX_KEPT_TEXT_LENGTH) return known;
    if (kept.size >= maxTexts || keptChars + query.length > maxTextChars) {
      kept.clear();
      keptChars = 0;
    }
    const document = request.document ?? parse(query, { noLocation: true });
    const entry: KeptText = { document: request.document ? undefined : document, reads: findCostVariables(document), costs: new Map() };
    kept.set(query, entry);
    keptChars += query.length;
    return entry;
  }

  return (request) => {
    const entry = keep(request);
    const document = request.document ?? entry?.document ?? parse(request.query, { noLocation: true });
    if (!entry) return measure(document, request);
    const key = buildValuesKey(request.operationName ?? null, entry.reads, request.variables ?? null);
    if (key.length > MAX_VALUES_KEY_LENGTH) return measure(document, request);
    const cached = entry.costs.get(key);
    if (cached) return cached;
    const measured = measure(document, request);
    if (entry.costs.size >= maxCosts) entry.costs.clear();
    entry.costs.set(key, measured);
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

