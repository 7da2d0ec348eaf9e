import { parse, type DocumentNode, type GraphQLError } from 'graphql';
import { findQueryLimitViolation } from './findQueryLimitViolation';
import { buildQueryTooComplexError, type QueryLimits, type QueryLimitViolation } from './queryLimits';
import { scanQueryText } from './scanQueryText';

/**
 * - `parsed`: within every limit, parsed with locations (ready for the standard validation rules);
 * - `too_complex`: past a limit: the client's QUERY_TOO_COMPLEX error;
 * - `syntax`: graphql-js' own syntax error.
 */
export type ParsedWithinLimits =
  | { kind: 'parsed'; document: DocumentNode }
  | { kind: 'too_complex'; violation: QueryLimitViolation; error: GraphQLError }
  | { kind: 'syntax'; error: unknown };

/**
 * The limits in the order that keeps each step cheap: the text is scanned (tokens, bracket nesting)
 * before the parser builds anything, then parsed with `maxTokens` as a second guard, then the document's
 * limits are checked, before any validation rule. Apollo runs the same steps through queryLimitsPlugin.
 */
export function parseWithinLimits(query: string, limits: QueryLimits): ParsedWithinLimits {
  const scanned = scanQueryText(query, limits);
  if (scanned) return { kind: 'too_complex', violation: scanned, error: buildQueryTooComplexError(scanned) };
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens });
  } catch (error) {
    return { kind: 'syntax', error };
  }
  const violation = findQueryLimitViolation(document, limits);
  if (violation) return { kind: 'too_complex', violation, error: buildQueryTooComplexError(violation) };
  return { kind: 'parsed', document };
}
