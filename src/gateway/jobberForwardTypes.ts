/** What goes to Jobber and comes back, and the hooks createJobberForwarder (jobberForwarder.ts) is built with. */
import type { DocumentNode } from 'graphql';
import type { InstallationRef } from '../core/installationRef';
import type { GatewayError } from '../errors/gatewayError';
import type { RequestScope } from '../observability/requestScope';

/** One GraphQL operation on its way to Jobber. */
export interface JobberRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  /** Mutations are never retried after THROTTLED / 429 (they may have had effects). */
  isMutation: boolean;
  /** The parsed `query`, when the caller has it (spares the cost estimator a parse). */
  document?: DocumentNode;
  /** The client request this call serves: its X-Request-Id (sent to Jobber, on the forwarder's log lines) and span. */
  scope?: RequestScope;
}

export interface JobberResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface ForwardResult {
  /** Jobber's response body as received (the fast path returns these bytes unchanged). */
  text: string;
  json: JobberResponse;
}

/** Hooks of the cost-bucket pacer (src/ratelimit); absent = no pacing. */
export interface ForwardPacer {
  beforeForward(ref: InstallationRef, request: JobberRequest): Promise<{ kind: 'go' } | { kind: 'refuse'; error: GatewayError }>;
  /** After every Jobber answer: whether to retry once (after `waitMs`), or give up with `error`. */
  afterResponse(
    ref: InstallationRef,
    request: JobberRequest,
    answer: { status: number; json: JobberResponse | undefined; retryAfterHeader: string | null },
  ): Promise<{ kind: 'ok' } | { kind: 'retry'; waitMs: number } | { kind: 'refuse'; error: GatewayError }>;
  /** The request left without a Jobber answer (network failure, timeout, a failed token after a 401): release what it held. */
  abandon?(ref: InstallationRef, request: JobberRequest): Promise<void>;
}

/**
 * One POST to Jobber. Throws on network failure; an error named TimeoutError (or AbortError) means the
 * call timed out. Default: `deps.fetch` with an AbortSignal timeout; the app uses a keep-alive pool.
 */
export type JobberTransport = (
  url: string,
  init: { headers: Record<string, string>; body: string },
) => Promise<{ status: number; text: string; retryAfter: string | null }>;

/** Observability of the calls to Jobber (src/observability/gatewayTelemetry.ts); absent = none. */
export interface ForwardObserver {
  /**
   * Before each call to Jobber for the request `scope` (undefined: none known): may add headers
   * (X-Request-Id, traceparent) to `headers`. The returned
   * function is called once, when the call ends, with the HTTP status or why there was none.
   */
  beginJobberCall(headers: Record<string, string>, scope: RequestScope | undefined): (status: number | 'timeout' | 'unreachable') => void;
  /** Around the pacer's reservation (and its wait) and a throttled query's wait before its retry. */
  beginPacing(): () => void;
}
