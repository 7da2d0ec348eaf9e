import type { Deps } from '../core/deps';
import type { InstallationRef } from '../core/installationRef';
import { ErrorCode, GatewayError, isGatewayError, type UpstreamReason } from '../errors/gatewayError';
import type { AccessTokenProvider } from '../tokens/accessTokenProvider';
import type { ForwardObserver, ForwardPacer, ForwardResult, JobberRequest, JobberResponse, JobberTransport } from './jobberForwardTypes';
import type { RequestScope } from '../observability/requestScope';

export interface JobberForwarderOptions {
  deps: Pick<Deps, 'fetch' | 'logger'>;
  /** Jobber origin; requests go to `${jobberBaseUrl}/api/graphql`. */
  jobberBaseUrl: string;
  /** Sent as `X-JOBBER-GRAPHQL-VERSION` on every call. */
  apiVersion: string;
  /** Timeout of one call to Jobber, in ms. */
  timeoutMs: number;
  accessTokens: AccessTokenProvider;
  /** Called when Jobber says the account disconnected the app (no refresh is attempted then). */
  onDisconnected(ref: InstallationRef): Promise<void>;
  pacer?: ForwardPacer;
  /** How calls reach Jobber (createJobberTransport); default `deps.fetch`, timing out after `timeoutMs`. */
  transport?: JobberTransport;
  /** Request id and trace headers out, Jobber call latency and status, pacer waits (gatewayTelemetry.forwardObserver). Default none. */
  observer?: ForwardObserver;
}

export interface JobberForwarder {
  forward(ref: InstallationRef, request: JobberRequest): Promise<ForwardResult>;
}

const DISCONNECT_MESSAGE = 'User has disconnected this app';

/**
 * Sends one operation to Jobber with the installation's access token (never the client's own
 * Authorization). A 401 is answered by one forced refresh and one retry, unless Jobber says the app was
 * disconnected. Throttling is left to the pacer; every other failure becomes a GatewayError.
 */
export function createJobberForwarder(options: JobberForwarderOptions): JobberForwarder {
  const url = `${options.jobberBaseUrl}/api/graphql`;
  const { logger } = options.deps;
  const { pacer, observer } = options;
  let versionWarned = false;

  /**
   * The pacer's bucket lives in the store, but it is only an estimate: when the store is down the
   * request goes unpaced (Jobber still protects itself) rather than failing a request that a cached
   * token could serve.
   */
  async function paceOrGo<T>(step: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (isGatewayError(error) && error.code === ErrorCode.STORE_UNAVAILABLE) {
        logger.warn({ code: error.code }, 'cost pacing skipped: store unavailable');
        return fallback;
      }
      throw error;
    }
  }

  async function accessTokenFor(ref: InstallationRef, rejected?: string): Promise<string> {
    const result = await options.accessTokens.getAccessToken(ref, rejected ? { rejected } : undefined);
    if (result.ok) return result.accessToken;
    if (result.reason === 'transient') {
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `Could not obtain an access token from Jobber: ${result.message}`, {
        extensions: { reason: 'token_unobtainable' satisfies UpstreamReason, ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }) },
      });
    }
    if (result.reason === 'client_refused') {
      throw new GatewayError(
        ErrorCode.CONNECTOR_NOT_CONFIGURED,
        'Jobber refused the connector\'s client credentials (Client ID / Client Secret) when refreshing the access token; ' +
          'correct them with updateConnectorSettings (the installation is kept).',
        { extensions: { retryAfterMs: result.retryAfterMs } },
      );
    }
    if (result.reason === 'reauthorization_required') {
      throw new GatewayError(
        ErrorCode.REAUTHORIZATION_REQUIRED,
        `Account "${ref.accountId}" must be installed again: Jobber no longer accepts its authorization.`,
      );
    }
    throw new GatewayError(ErrorCode.CONNECTOR_NOT_INSTALLED, `The connector is not installed for account "${ref.accountId}".`);
  }

  const fetchTransport: JobberTransport = async (target, init) => {
    const response = await options.deps.fetch(target, { method: 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(options.timeoutMs) });
    return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
  };
  const transport = options.transport ?? fetchTransport;

  async function send(token: string, body: string, scope: RequestScope | undefined): Promise<{ status: number; text: string; retryAfter: string | null }> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json',
      'x-jobber-graphql-version': options.apiVersion,
    };
    const ended = observer?.beginJobberCall(headers, scope);
    try {
      const answer = await transport(url, { headers, body });
      ended?.(answer.status);
      return answer;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      ended?.(timedOut ? 'timeout' : 'unreachable');
      if (timedOut) {
        throw new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, `Jobber did not answer within ${options.timeoutMs} ms.`, { cause: error });
      }
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Jobber could not be reached.', {
        cause: error,
        extensions: { reason: 'unreachable' satisfies UpstreamReason },
      });
    }
  }

  function parse(text: string): JobberResponse | undefined {
    try {
      const value: unknown = JSON.parse(text);
      return value && typeof value === 'object' ? (value as JobberResponse) : undefined;
    } catch {
      return undefined;
    }
  }

  function noteVersioning(json: JobberResponse | undefined, scope: RequestScope | undefined): void {
    const versioning = json?.extensions?.versioning as { warning?: string } | undefined;
    if (versioning?.warning && !versionWarned) {
      versionWarned = true;
      logger.warn({ ...(scope === undefined ? {} : { requestId: scope.id }), versioning }, 'Jobber upgraded the requested API version');
    }
  }

  /** Sends with one refresh after a 401 and one retry after THROTTLED when the pacer allows it. */
  async function sendPaced(ref: InstallationRef, request: JobberRequest, body: string, firstToken: string): Promise<ForwardResult> {
    let token = firstToken;
    let refreshed = false;
    let throttleRetried = false;
    for (;;) {
      const answer = await send(token, body, request.scope);
      if (answer.status === 401) {
        if (answer.text.includes(DISCONNECT_MESSAGE)) {
          await options.onDisconnected(ref);
          throw new GatewayError(
            ErrorCode.CONNECTOR_NOT_INSTALLED,
            `Account "${ref.accountId}" disconnected the app in Jobber; install the connector again.`,
          );
        }
        if (refreshed) {
          throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Jobber refused a freshly refreshed access token.', {
            extensions: { reason: 'token_rejected' satisfies UpstreamReason },
          });
        }
        refreshed = true;
        token = await accessTokenFor(ref, token);
        continue;
      }
      const json = parse(answer.text);
      if (pacer) {
        const verdict = await paceOrGo(
          () => pacer.afterResponse(ref, request, { status: answer.status, json, retryAfterHeader: answer.retryAfter }),
          { kind: 'ok' as const },
        );
        if (verdict.kind === 'refuse') throw verdict.error;
        if (verdict.kind === 'retry' && !throttleRetried) {
          throttleRetried = true;
          if (verdict.waitMs > 0) {
            const paced = observer?.beginPacing();
            await new Promise((resolve) => setTimeout(resolve, verdict.waitMs));
            paced?.();
          }
          continue;
        }
      }
      if (answer.status === 429) {
        throw new GatewayError(ErrorCode.UPSTREAM_THROTTLED, 'Jobber is rate limiting this account; retry later.', {
          extensions: { retryAfterMs: retryAfterMs(answer.retryAfter) },
        });
      }
      if (!json || (answer.status >= 500 && !json.errors)) {
        throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `Jobber answered HTTP ${answer.status}.`, {
          extensions: { reason: 'upstream_error' satisfies UpstreamReason, upstreamStatus: answer.status },
        });
      }
      noteVersioning(json, request.scope);
      return { text: answer.text, json };
    }
  }

  return {
    async forward(ref, request) {
      // The token first: a request that cannot be sent (not installed, credentials refused) must not take
      // the pacer's probe or reserve points it will never spend.
      const token = await accessTokenFor(ref);
      if (pacer) {
        const paced = observer?.beginPacing();
        let verdict;
        try {
          verdict = await paceOrGo(() => pacer.beforeForward(ref, request), { kind: 'go' as const });
        } finally {
          paced?.();
        }
        if (verdict.kind === 'refuse') throw verdict.error;
      }
      const body = JSON.stringify({
        query: request.query,
        ...(request.variables ? { variables: request.variables } : {}),
        ...(request.operationName ? { operationName: request.operationName } : {}),
      });
      try {
        return await sendPaced(ref, request, body, token);
      } catch (error) {
        // After a paced answer this releases nothing; before one, it frees the account's probe at once.
        await pacer?.abandon?.(ref, request).catch(() => undefined);
        throw error;
      }
    },
  };

}

/** Retry-After in ms (seconds or an HTTP date); 1000 ms when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 1000;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - now);
}
