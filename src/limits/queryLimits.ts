import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors/gatewayError';

/**
 * Parser and validation limits: what one query text may make the gateway do before anything runs. Every
 * path checks them (the fast path once per query text, Apollo once per request it parses), before the
 * standard validation rules: one of them (OverlappingFieldsCanBeMerged) compares repeated selections
 * pairwise, and graphql-js' parser recurses once per nesting level.
 */
export interface QueryLimits {
  /** Lexical tokens in the query text (comments excluded, as graphql-js counts them). Default 5000. */
  maxTokens: number;
  /**
   * Fields nested inside each other, fragments followed (`{ a { b } }` is 2). The text's brackets
   * (selection sets, argument objects and lists together) may nest at most twice this, plus 2, checked
   * before parsing. Default 20.
   */
  maxDepth: number;
  /** Aliased fields in the document, fragments expanded where they are spread. Default 50. */
  maxAliases: number;
  /** Fields selected at the root of one operation, through root fragments. Default 30. */
  maxRootFields: number;
  /** Directives on one field, fragment, operation or variable. Default 10. */
  maxDirectives: number;
  /**
   * Selections (fields, fragment spreads, inline fragments) in the document once fragments are expanded
   * where they are spread, each fragment once per selection set, as execution merges them. Default 1500.
   */
  maxSelections: number;
  /**
   * Fields merged into one response key at one place (`{ a { id } a { id } }` selects `a` and `a.id` twice
   * each): the pairs the merge check compares grow with the square of it. Default 20.
   */
  maxFieldRepeats: number;
}

export type QueryLimitName = keyof QueryLimits;

/**
 * Validation errors reported before validation stops (Apollo's `validationOptions.maxErrors`; graphql-js's
 * default is 100). Each unknown field's error computes "Did you mean" suggestions over its type's fields:
 * 1000 unknown fields under `account` took 12–37 ms to validate against the Jobber schema with 100 errors,
 * 1.7 ms with 1. Past it graphql-js adds one "Too many validation errors" error.
 */
export const MAX_VALIDATION_ERRORS = 10;

/**
 * Chosen from what real queries need (README "Limits"): GraphiQL's introspection query, the largest in
 * common use, has 184 tokens, depth 15 and 240 selections expanded; Jobber-style queries have a few
 * hundred tokens, depth under 10, a handful of root fields and aliases. The slowest document found
 * under these defaults and its time are in the README (bench/queryLimitsWorstCase.ts measures them).
 */
export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = Object.freeze({
  maxTokens: 5000,
  maxDepth: 20,
  maxAliases: 50,
  maxRootFields: 30,
  maxDirectives: 10,
  maxSelections: 1500,
  maxFieldRepeats: 20,
});

/** The first limit a query text is past. */
export interface QueryLimitViolation {
  limit: QueryLimitName;
  maximum: number;
}

const WHAT: Record<QueryLimitName, (maximum: number) => string> = {
  maxTokens: (n) => `it has more than ${n} tokens`,
  maxDepth: (n) => `it nests selections (or values) more than ${n} levels deep`,
  maxAliases: (n) => `it has more than ${n} aliases`,
  maxRootFields: (n) => `an operation selects more than ${n} root fields`,
  maxDirectives: (n) => `one selection carries more than ${n} directives`,
  maxSelections: (n) => `it has more than ${n} selections once its fragments are expanded`,
  maxFieldRepeats: (n) => `one field is selected more than ${n} times at the same place`,
};

/**
 * The client's error: `QUERY_TOO_COMPLEX`, the limit's name and value in the message and in `extensions`,
 * HTTP 400 (`extensions.http`, which Apollo turns into the response status and strips).
 */
export function buildQueryTooComplexError(violation: QueryLimitViolation): GraphQLError {
  const { limit, maximum } = violation;
  return new GraphQLError(`The query is too complex: ${WHAT[limit](maximum)} (${limit}: ${maximum}). Split it into smaller queries.`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, maximum, http: { status: 400 } },
  });
}

/** The answer's body for a violation found before GraphQL is involved (a request body nested too deep), as Apollo writes the error. */
export function buildQueryTooComplexBody(violation: QueryLimitViolation): { errors: [{ message: string; extensions: Record<string, unknown> }] } {
  const { http: _http, ...extensions } = buildQueryTooComplexError(violation).extensions;
  return { errors: [{ message: buildQueryTooComplexError(violation).message, extensions }] };
}

/**
 * How deep a JSON request body may nest: the body object, its variables object, and each variable's value
 * as deep as a query's text may nest (maxBracketNesting: 2 × maxDepth + 2).
 */
export function maxBodyNesting(maxDepth: number): number {
  return 2 * maxDepth + 4;
}

/** How deep a variables object may nest (the object itself, then values as deep as a query's text may nest). */
export function maxVariablesNesting(maxDepth: number): number {
  return 2 * maxDepth + 3;
}

/** `limits` with the defaults filled in. */
export function withDefaultLimits(limits: Partial<QueryLimits> = {}): QueryLimits {
  const filled = { ...DEFAULT_QUERY_LIMITS };
  for (const [name, value] of Object.entries(limits) as [QueryLimitName, number | undefined][]) if (value !== undefined) filled[name] = value;
  return filled;
}
