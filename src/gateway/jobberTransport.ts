import { Agent, errors as undiciErrors } from 'undici';
import type { JobberTransport } from './jobberForwardTypes';

export interface JobberTransportOptions {
  /** Longest wait for Jobber's response headers, and then between body chunks, in ms (JOBBER_TIMEOUT_MS). */
  timeoutMs: number;
  /** Most open connections per Jobber origin. Default 128. */
  connections?: number;
  /** How long an idle connection is kept open, in ms. Default 30000 (undici lowers it to the server's keep-alive hint). */
  keepAliveMs?: number;
}

export interface PooledJobberTransport extends JobberTransport {
  /** Closes the pooled connections (the app's close()). */
  close(): Promise<void>;
}

/**
 * Every call the forwarder makes to Jobber's GraphQL API (fast path and stitching alike): a keep-alive connection pool (an undici Agent) driven with
 * undici.request, which costs far less per call than fetch (no WHATWG streams, no AbortSignal timer).
 * Timeouts are undici's headers/body timeouts; they surface as an error named TimeoutError, which the
 * forwarder turns into UPSTREAM_TIMEOUT. They run on undici's coarse timers (a tick every ~0.5 s, no
 * timer per request): a call is abandoned between `timeoutMs` and about one second after it.
 */
export function createJobberTransport(options: JobberTransportOptions): PooledJobberTransport {
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveMs ?? 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  // The forwarder calls one URL: split it once, not per request.
  let lastUrl = '';
  let target = { origin: '', path: '' };
  const send: JobberTransport = async (url, init) => {
    if (url !== lastUrl) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      lastUrl = url;
    }
    try {
      const response = await agent.request({ origin: target.origin, path: target.path, method: 'POST', headers: init.headers, body: init.body });
      const text = await response.body.text();
      const retryAfter = response.headers['retry-after'];
      return { status: response.statusCode, text, retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null };
    } catch (error) {
      if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
        const timeout = new Error(`Jobber did not answer within ${options.timeoutMs} ms`, { cause: error });
        timeout.name = 'TimeoutError';
        throw timeout;
      }
      throw error;
    }
  };
  return Object.assign(send, { close: () => agent.close() });
}
