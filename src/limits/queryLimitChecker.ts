import type { GraphQLError } from 'graphql';
import { parseWithinLimits } from './parseWithinLimits';
import { exceedsJsonNesting } from './jsonNesting';
import { buildQueryTooComplexError, maxBodyNesting, maxVariablesNesting, type QueryLimits, type QueryLimitViolation } from './queryLimits';
import { exceedsNesting } from './valueNesting';

export interface QueryLimitCheckerOptions {
  limits: QueryLimits;
  /** Query texts whose verdict is remembered (least recently used dropped first). Default 1000. */
  maxEntries?: number;
  /** Characters of query text remembered, all entries together. Default 4 MiB (4194304). */
  maxBytes?: number;
  /** Longer texts are checked every time and never kept. Default 65536 characters. */
  maxCachedQueryLength?: number;
}

export interface QueryLimitChecker {
  /** The QUERY_TOO_COMPLEX error for a query text past a limit, or null (within them, or not GraphQL: Apollo reports that). */
  checkQuery(query: string): GraphQLError | null;
  /**
   * The QUERY_TOO_COMPLEX error (maxDepth) for variables whose values nest deeper than a query's text may
   * (maxVariablesNesting), or null. A GET's variables come as JSON text: text that does not parse is left
   * to Apollo.
   */
  checkVariables(variables: unknown): GraphQLError | null;
  /** The same for a raw JSON body nested deeper than maxBodyNesting, before anything parses it. */
  checkBody(bytes: Uint8Array): GraphQLError | null;
}

/**
 * The limits for what Apollo runs, checked before Apollo sees the text: Apollo's hooks cannot answer a
 * request (a throwing hook becomes a 500) and its `validationRules` run beside the standard rules, so
 * the graphql router's context function calls this and throws the error (Apollo answers a failed
 * context with the error's status, 400). The verdict is kept per query text in an LRU bounded by entries
 * and characters, so a text Apollo serves again costs a Map lookup, as in the fast path's cache.
 */
export function createQueryLimitChecker(options: QueryLimitCheckerOptions): QueryLimitChecker {
  const maxEntries = options.maxEntries ?? 1000;
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const maxCachedQueryLength = options.maxCachedQueryLength ?? 65_536;
  // Violations, not errors: each request gets an error of its own (Apollo may change what it is given).
  const verdicts = new Map<string, QueryLimitViolation | null>();
  let bytes = 0;

  const maxNesting = maxVariablesNesting(options.limits.maxDepth);

  const checkQuery = (query: string): GraphQLError | null => {
    const known = verdicts.get(query);
    if (known !== undefined) {
      verdicts.delete(query);
      verdicts.set(query, known);
      return known && buildQueryTooComplexError(known);
    }
    const parsed = parseWithinLimits(query, options.limits);
    const verdict = parsed.kind === 'too_complex' ? parsed.violation : null;
    if (query.length <= maxCachedQueryLength) {
      verdicts.set(query, verdict);
      bytes += query.length;
      while (verdicts.size > maxEntries || bytes > maxBytes) {
        const oldest = verdicts.keys().next().value as string;
        verdicts.delete(oldest);
        bytes -= oldest.length;
      }
    }
    return verdict && buildQueryTooComplexError(verdict);
  };

  const checkVariables = (variables: unknown): GraphQLError | null => {
    let value = variables;
    if (typeof variables === 'string') {
      try {
        value = JSON.parse(variables) as unknown;
      } catch {
        return null;
      }
    }
    return exceedsNesting(value, maxNesting) ? buildQueryTooComplexError({ limit: 'maxDepth', maximum: options.limits.maxDepth }) : null;
  };

  const bodyNesting = maxBodyNesting(options.limits.maxDepth);
  const checkBody = (bytes: Uint8Array): GraphQLError | null =>
    exceedsJsonNesting(bytes, bodyNesting) ? buildQueryTooComplexError({ limit: 'maxDepth', maximum: options.limits.maxDepth }) : null;

  return { checkQuery, checkVariables, checkBody };
}
