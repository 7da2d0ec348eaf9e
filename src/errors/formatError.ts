import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, isGatewayError } from './gatewayError';

/**
 * The one place errors become client-visible:
 * - a GatewayError keeps its message and code (its messages are written to be safe);
 * - a GraphQLError (Apollo's parse/validation errors, Jobber's errors relayed by stitching) passes as
 *   it is, without the INTERNAL_SERVER_ERROR code Apollo puts on errors that carry none;
 * - anything else is a bug and is masked as INTERNAL_SERVER_ERROR (the original reaches the logs only).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isGatewayError(original)) {
    const { http: _http, ...extensions } = original.extensions;
    return { ...formatted, message: original.message, extensions: { ...extensions, code: original.code } };
  }
  if (original instanceof GraphQLError || !(original instanceof Error)) {
    const ownCode = original instanceof GraphQLError ? original.extensions?.code : (original as { extensions?: { code?: unknown } } | null)?.extensions?.code;
    if (ownCode === undefined && formatted.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
      const { code: _code, ...extensions } = formatted.extensions;
      return { ...formatted, extensions };
    }
    return formatted;
  }
  return {
    message: 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
