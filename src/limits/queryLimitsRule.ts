import { BREAK, type ValidationRule } from 'graphql';
import { findQueryLimitViolation } from './findQueryLimitViolation';
import { buildQueryTooComplexError, type QueryLimits } from './queryLimits';

/**
 * The document limits (all but maxTokens, a parser option) as a graphql-js ValidationRule: one error,
 * QUERY_TOO_COMPLEX, naming the first limit passed. It does its work when the Document is entered, before
 * any rule run beside it has seen a selection set; but a rule cannot stop the others, so the gateway runs
 * it in a pass of its own before the standard rules (parseWithinLimits, queryLimitsPlugin), never beside
 * them: OverlappingFieldsCanBeMerged must not see a document past the limits.
 */
export function createQueryLimitsRule(limits: Omit<QueryLimits, 'maxTokens'>): ValidationRule {
  return (context) => ({
    Document(document) {
      const violation = findQueryLimitViolation(document, limits);
      if (violation) context.reportError(buildQueryTooComplexError(violation));
      return BREAK;
    },
  });
}
