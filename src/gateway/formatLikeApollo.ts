import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { formatError } from '../errors/formatError';

/** A formatted error and the HTTP status its `extensions.http` asks for, if any. */
export interface ApolloFormatted {
  error: GraphQLFormattedError;
  status: number | undefined;
}

/**
 * What Apollo's normalizeAndFormatErrors makes of one error with the gateway's formatError: the code
 * defaults to INTERNAL_SERVER_ERROR before formatError sees it, and `extensions.http` is taken out (it
 * sets the response status). Used for the answers the fast path writes itself, so they match Apollo's.
 */
export function formatLikeApollo(error: GraphQLError, logger?: Pick<Logger, 'warn' | 'error'>): ApolloFormatted {
  const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
  let status: number | undefined;
  const http = extensions.http as { status?: unknown } | undefined;
  if (http && typeof http === 'object') {
    if (typeof http.status === 'number') status = http.status;
    delete extensions.http;
  }
  return { error: formatError({ ...error.toJSON(), extensions }, error, logger), status };
}

/**
 * Formats every error; the status is the last one any error asked for (Apollo merges them in order).
 * With `logger`, what a fixed message hides is logged, as on the Apollo path (createFormatError).
 */
export function formatAllLikeApollo(errors: readonly GraphQLError[], logger?: Pick<Logger, 'warn' | 'error'>): { errors: GraphQLFormattedError[]; status: number | undefined } {
  let status: number | undefined;
  const formatted = errors.map((error) => {
    const one = formatLikeApollo(error, logger);
    if (one.status !== undefined) status = one.status;
    return one.error;
  });
  return { errors: formatted, status };
}

/** Apollo's body: errors, data, extensions in that order, absent ones left out, a newline at the end. */
export function serializeLikeApollo(result: { errors?: readonly GraphQLFormattedError[] | undefined; data?: unknown; extensions?: unknown }): string {
  return `${JSON.stringify({ errors: result.errors, data: result.data, extensions: result.extensions })}\n`;
}
