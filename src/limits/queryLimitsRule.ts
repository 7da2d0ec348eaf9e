import { BREAK, type ValidationRule } from 'graphql';
import { findQueryLimitViolation } from './findQueryLimitViolation';
import { buildQueryTooComplexError, type QueryLimits } from './queryLimits';

/**
 * The document limits (all but maxTokens, a parser option) as a graphql-js ValidationRule: one error,
 * QUERY_TOO_COMPLEX, naming the first limit passed, for whoever validates documents with graphql-js.
 * The gateway itself calls findQueryLimitViolation in a pass of its own before the standard rules
 * (parseWithinLimits): a rule run beside them cannot stop OverlappingFieldsCanBeMerged from seeing the
 * document, and Apollo runs its `validationRules` beside them (and relabels their errors
 * GRAPHQL_VALIDATION_FAILED), so the graphql router checks before Apollo parses (queryLimitChecker).
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
