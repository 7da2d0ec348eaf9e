/** Every error code the gateway itself emits (DESIGN.md "Forwarding"). Jobber's own codes pass through untouched. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONNECTOR_NOT_CONFIGURED: 'CONNECTOR_NOT_CONFIGURED',
  CONNECTOR_NOT_INSTALLED: 'CONNECTOR_NOT_INSTALLED',
  REAUTHORIZATION_REQUIRED: 'REAUTHORIZATION_REQUIRED',
  UPSTREAM_THROTTLED: 'UPSTREAM_THROTTLED',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  /**
   * The query's estimated Jobber cost exceeds what Jobber's bucket can ever hold (or is too large to
   * estimate): refused locally, never sent. HTTP 200 like every error raised while executing.
   */
  QUERY_TOO_COSTLY: 'QUERY_TOO_COSTLY',
  /** One operation selects more distinct store-reading local fields than allowed (aliases). HTTP 200. */
  TOO_MANY_STORE_READS: 'TOO_MANY_STORE_READS',
  /**
   * An account session of a partner that allows only its registered operations (trusted documents) sent
   * one that is not registered, by text or by hash. HTTP 403: the same request works with the partner's key.
   */
  OPERATION_NOT_TRUSTED: 'OPERATION_NOT_TRUSTED',
  /** A persisted query's hash names no document (Apollo's code and message, which APQ clients retry on). HTTP 200. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /**
   * The query text is past one of the parser and validation limits (tokens, depth, aliases, root fields,
   * directives, selections, repeats; src/limits/queryLimits.ts): refused before it is validated or run,
   * `extensions { limit, maximum }`. HTTP 400 like every request GraphQL refuses before executing.
   */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /**
   * The caller is past its request budget (per partner, or per client address for anonymous and failed
   * credentials; src/limits/callerGate.ts). HTTP 429 with `Retry-After`, `extensions { retryAfterMs, limit }`.
   */
  RATE_LIMITED: 'RATE_LIMITED',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status a request answers with when this code is its (only) error; others are 200 (GraphQL over HTTP). */
export const httpStatusOf: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  OPERATION_NOT_TRUSTED: 403,
  QUERY_TOO_COMPLEX: 400,
  RATE_LIMITED: 429,
  STORE_UNAVAILABLE: 503,
};

/**
 * Codes whose message clients see as this fixed text: their own messages may name the store, Redis, its
 * commands, a key id or a Jobber call's internals. The original message and cause reach the logs only
 * (formatError). Their `extensions` keep only what is listed in `PUBLIC_EXTENSIONS`.
 */
export const fixedMessageOf: Partial<Record<ErrorCode, string>> = {
  STORE_UNAVAILABLE: 'The gateway cannot reach its store right now; retry shortly.',
  INTERNAL_SERVER_ERROR: 'Internal server error',
  UPSTREAM_UNAVAILABLE: 'Jobber is unavailable or answered with an error; retry shortly.',
  UPSTREAM_TIMEOUT: 'Jobber did not answer in time; retry shortly.',
  UPSTREAM_THROTTLED: 'Jobber is rate limiting this account; retry later.',
};

/**
 * The extensions a fixed-message error may still show: plain numbers a client can act on, and `reason`,
 * a word from UpstreamReason (never free text).
 */
export const PUBLIC_EXTENSIONS: ReadonlySet<string> = new Set(['retryAfterMs', 'upstreamStatus', 'reason']);

/**
 * Why an UPSTREAM_UNAVAILABLE happened, for clients and operators (the message is fixed):
 * `token_unobtainable` (no valid access token and the token endpoint failed), `token_rejected` (Jobber
 * refused a freshly refreshed token: it expired in transit), `unreachable` (no connection), `upstream_error`
 * (Jobber answered 5xx or a body that is not GraphQL).
 */
export type UpstreamReason = 'token_unobtainable' | 'token_rejected' | 'unreachable' | 'upstream_error';

export interface GatewayErrorOptions {
  cause?: unknown;
  /** Extra `extensions` shown to the client (never put secrets here). */
  extensions?: Record<string, unknown>;
}

/**
 * The one error type of the gateway. Its message is shown to clients, so it must never contain a
 * token, secret or API key; `cause` is kept for logs (which redact secrets).
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  /**
   * What graphql-js copies onto the located GraphQLError: the code, the caller's extras and, for the
   * codes that have one, Apollo's `http.status` (Apollo sets the response status from it, then strips it).
   */
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    const status = httpStatusOf[code];
    this.extensions = { ...options.extensions, code, ...(status ? { http: { status } } : {}) };
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/**
 * Response headers an error answered as the request's only error carries beside its status: `Retry-After`
 * (whole seconds, rounded up, at least 1) for RATE_LIMITED. Empty for every other error.
 */
export function httpHeadersOf(error: GatewayError): Record<string, string> {
  const retryAfterMs = error.extensions.retryAfterMs;
  if (error.code !== ErrorCode.RATE_LIMITED || typeof retryAfterMs !== 'number') return {};
  return { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) };
}
