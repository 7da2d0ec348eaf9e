import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode, fixedMessageOf, isGatewayError, PUBLIC_EXTENSIONS, type GatewayError } from './gatewayError';

const INTERNAL: GraphQLFormattedError['extensions'] = { code: ErrorCode.INTERNAL_SERVER_ERROR };

/**
 * The one place errors become client-visible:
 * - a GatewayError (thrown by a resolver, or by the context function wrapped in a GraphQLError) keeps its
 *   code; codes with a fixed message (store, internal, upstream) show only that message and their public
 *   numbers, and the original (message, cause) is logged here; others keep their message (written to be safe);
 * - a GraphQLError (Apollo's parse/validation errors, Jobber's errors relayed by stitching) passes as it
 *   is, without the INTERNAL_SERVER_ERROR code Apollo puts on errors that carry none;
 * - anything else is a bug and is masked as INTERNAL_SERVER_ERROR (the original reaches the logs only).
 * Without a logger nothing is logged (Apollo's plugin still logs bugs while executing).
 */
export function createFormatError(logger?: Pick<Logger, 'warn' | 'error'>): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => formatError(formatted, error, logger);
}

export function formatError(formatted: GraphQLFormattedError, error: unknown, logger?: Pick<Logger, 'warn' | 'error'>): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const gatewayError = findGatewayError(original);
  if (gatewayError) {
    const fixed = fixedMessageOf[gatewayError.code];
    if (fixed === undefined) {
      const { http: _http, ...extensions } = gatewayError.extensions;
      return { ...formatted, message: gatewayError.message, extensions: { ...extensions, code: gatewayError.code } };
    }
    logger?.warn({ err: gatewayError, code: gatewayError.code, path: formatted.path }, `${gatewayError.code}: ${gatewayError.message}`);
    const extensions: Record<string, unknown> = { code: gatewayError.code };
    for (const [key, value] of Object.entries(gatewayError.extensions)) if (PUBLIC_EXTENSIONS.has(key)) extensions[key] = value;
    return masked(formatted, fixed, extensions);
  }
  if (original instanceof GraphQLError || !(original instanceof Error)) {
    const ownCode = original instanceof GraphQLError ? original.extensions?.code : (original as { extensions?: { code?: unknown } } | null)?.extensions?.code;
    // Apollo's "Context creation failed: <message>" around a plain Error: a bug, its message is not for clients.
    if (original instanceof GraphQLError && ownCode === undefined && isPlainError(original.originalError)) {
      logger?.error({ err: original.originalError }, 'unexpected error before executing');
      return masked(formatted, fixedMessageOf.INTERNAL_SERVER_ERROR ?? 'Internal server error', INTERNAL);
    }
    if (ownCode === undefined && formatted.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
      const { code: _code, ...extensions } = formatted.extensions;
      return { ...formatted, extensions };
    }
    return formatted;
  }
  return masked(formatted, fixedMessageOf.INTERNAL_SERVER_ERROR ?? 'Internal server error', INTERNAL);
}

/** The GatewayError behind an error: itself, or the original of the GraphQLError the context function threw. */
function findGatewayError(error: unknown): GatewayError | undefined {
  if (isGatewayError(error)) return error;
  if (error instanceof GraphQLError && isGatewayError(error.originalError)) return error.originalError;
  return undefined;
}

function isPlainError(error: unknown): boolean {
  return error instanceof Error && !(error instanceof GraphQLError) && !isGatewayError(error);
}

function masked(formatted: GraphQLFormattedError, message: string, extensions: GraphQLFormattedError['extensions']): GraphQLFormattedError {
  return {
    message,
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(extensions ? { extensions } : {}),
  };
}
