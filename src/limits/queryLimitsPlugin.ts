import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { findQueryLimitViolation } from './findQueryLimitViolation';
import { buildQueryTooComplexError, type QueryLimits } from './queryLimits';
import { scanQueryText } from './scanQueryText';

/**
 * The parser and validation limits for everything Apollo parses (whatever the fast path hands over,
 * anonymous introspection included): the text is scanned before Apollo parses it, the document checked
 * before Apollo validates it. Apollo runs `validationRules` in the same pass as the standard rules, so a
 * rule there could not keep OverlappingFieldsCanBeMerged from a document past the limits; a hook that
 * throws stops the request before that pass. Apollo answers what a hook throws like a failed context:
 * the error, formatted by formatError, with the status of its `extensions.http` (400). Documents Apollo
 * already validated once (its document store) skip both hooks: they passed.
 */
export function createQueryLimitsPlugin<Context extends BaseContext>(limits: QueryLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async parsingDidStart({ source }) {
          const violation = scanQueryText(source, limits);
          if (violation) throw buildQueryTooComplexError(violation);
        },
        async validationDidStart({ document }) {
          const violation = findQueryLimitViolation(document, limits);
          if (violation) throw buildQueryTooComplexError(violation);
        },
      };
    },
  };
}
