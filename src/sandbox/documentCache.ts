import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';

export type CachedDocument = { ok: true; document: DocumentNode } | { ok: false; errors: readonly GraphQLError[] };

export interface DocumentCache {
  /** The parsed and validated document of a query text, from cache when seen before. */
  get(query: string): CachedDocument;
}

/**
 * Parse and validation results by query text, so a repeated query (the common case, and every
 * benchmark) costs one map lookup. Bounded: the oldest entry leaves when `maxEntries` (default 1000)
 * is reached.
 */
export function createDocumentCache(schema: GraphQLSchema, maxEntries = 1000): DocumentCache {
  const entries = new Map<string, CachedDocument>();
  return {
    get(query) {
      const hit = entries.get(query);
      if (hit) return hit;
      let result: CachedDocument;
      try {
        const document = parse(query);
        const errors = validate(schema, document);
        result = errors.length ? { ok: false, errors } : { ok: true, document };
      } catch (error) {
        result = { ok: false, errors: [error as GraphQLError] };
      }
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(query, result);
      return result;
    },
  };
}
