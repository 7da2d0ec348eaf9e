import { parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { planFastPath, type FastPathPlan, type JobberRootFields } from './fastPathPlan';
import { splitOperation, type SplitOperation } from './splitOperation';

export interface FastPathCacheOptions {
  /** The stitched schema Apollo serves: a document must be valid against it (Apollo's own verdict). */
  gatewaySchema: GraphQLSchema;
  /** Jobber's schema: the document goes to Jobber as it is, so it must be valid there too. */
  jobberSchema: GraphQLSchema;
  /** The gateway's own schema (with resolvers): the local half of a split operation must be valid there. */
  localSchema: GraphQLSchema;
  /** Most query texts remembered (least recently used dropped first). Default 1000. */
  maxEntries?: number;
  /** Longer query texts are planned on every request and never kept (bounds memory). Default 65536 chars. */
  maxCachedQueryLength?: number;
}

export type FastPathLookup =
  | { kind: 'stitch'; reason: string }
  | { kind: 'forward'; document: DocumentNode; plan: Extract<FastPathPlan, { kind: 'forward' }> }
  | { kind: 'split'; split: SplitOperation; plan: Extract<FastPathPlan, { kind: 'split' }> };

export interface FastPathCache {
  /** The plan of one query text and operation name, parsed and validated once per query text. */
  lookup(query: string, operationName: string | null): FastPathLookup;
  readonly size: number;
}

interface Entry {
  /** null: the text does not parse or validate; Apollo answers it (its errors are the reference). */
  document: DocumentNode | null;
  reason: string;
  /** Whether the whole document is valid for Jobber too (decided on the first forward plan). */
  validForJobber?: boolean;
  /** Plans by operation name ('' for none); a document has few operations, so this stays tiny. */
  plans: Map<string, FastPathLookup>;
}

/**
 * Query text -> parsed, validated document and its fast path plans, in a bounded LRU (a Map in
 * recency order: a hit moves the entry to the end, the first entry is the least recently used).
 */
export function createFastPathCache(options: FastPathCacheOptions): FastPathCache {
  const maxEntries = options.maxEntries ?? 1000;
  const maxCachedQueryLength = options.maxCachedQueryLength ?? 65_536;
  const roots = jobberRootFieldsOf(options.jobberSchema);
  const entries = new Map<string, Entry>();

  function analyse(query: string): Entry {
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true });
    } catch {
      return { document: null, reason: 'does not parse', plans: new Map() };
    }
    if (validate(options.gatewaySchema, document).length > 0) return { document: null, reason: 'not valid', plans: new Map() };
    return { document, reason: '', plans: new Map() };
  }

  function decide(query: string, entry: Entry, operationName: string | null): FastPathLookup {
    if (!entry.document) return { kind: 'stitch', reason: entry.reason };
    const plan = planFastPath(entry.document, operationName, roots);
    if (plan.kind === 'stitch') return plan;
    if (plan.kind === 'forward') {
      entry.validForJobber ??= validate(options.jobberSchema, entry.document).length === 0;
      return entry.validForJobber ? { kind: 'forward', document: entry.document, plan } : { kind: 'stitch', reason: 'not valid for Jobber alone' };
    }
    const cut = splitOperation(query, operationName, roots);
    if (cut.kind === 'stitch') return cut;
    // Both halves are checked against the schema that will run them: a cut that is not valid is never sent.
    if (validate(options.jobberSchema, cut.split.jobberDocument).length > 0) return { kind: 'stitch', reason: 'the Jobber half is not valid' };
    if (validate(options.localSchema, cut.split.localDocument).length > 0) return { kind: 'stitch', reason: 'the local half is not valid' };
    return { kind: 'split', split: cut.split, plan };
  }

  function planOf(query: string, entry: Entry, operationName: string | null): FastPathLookup {
    const key = operationName ?? '';
    let lookup = entry.plans.get(key);
    if (!lookup) {
      lookup = decide(query, entry, operationName);
      // Bounded: operation names that are not in the document all plan to 'stitch'; keep only a few.
      if (entry.plans.size < 16) entry.plans.set(key, lookup);
    }
    return lookup;
  }

  return {
    lookup(query, operationName) {
      let entry = entries.get(query);
      if (entry) {
        entries.delete(query);
        entries.set(query, entry);
        return planOf(query, entry, operationName);
      }
      entry = analyse(query);
      if (query.length <= maxCachedQueryLength) {
        entries.set(query, entry);
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      }
      return planOf(query, entry, operationName);
    },
    get size() {
      return entries.size;
    },
  };
}

/** Jobber's Query and Mutation root field names (its Subscription root is never served). */
export function jobberRootFieldsOf(jobberSchema: GraphQLSchema): JobberRootFields {
  return {
    query: new Set(Object.keys(jobberSchema.getQueryType()?.getFields() ?? {})),
    mutation: new Set(Object.keys(jobberSchema.getMutationType()?.getFields() ?? {})),
  };
}
