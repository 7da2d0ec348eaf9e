import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSameSecret } from '../auth/secretTokens';
import { ErrorCode } from '../errors/gatewayError';

export interface MetricsEndpointOptions {
  /** Renders the Prometheus text (GatewayMetrics.render). */
  render(): Promise<{ contentType: string; body: string }>;
  /** METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Told of a render that failed (the scrape gets a 500 without details). */
  onError(error: unknown): void;
}

/** True when the scrape may read the metrics: no token configured, or the right bearer token (compared in constant time). */
export function isMetricsScrapeAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] !== undefined && isSameSecret(match[1], token);
}

/**
 * `GET /metrics`, on the main port (healthRouter) or on its own (METRICS_PORT, main.ts). A scrape
 * without the configured token gets 401 UNAUTHENTICATED and nothing else.
 */
export function createMetricsEndpoint(options: MetricsEndpointOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (!isMetricsScrapeAllowed(req.headers.authorization, options.token)) {
      res.statusCode = 401;
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ errors: [{ message: 'Send Authorization: Bearer <METRICS_TOKEN>.', extensions: { code: ErrorCode.UNAUTHENTICATED } }] }));
      return;
    }
    options.render().then(
      ({ contentType, body }) => {
        res.statusCode = 200;
        res.setHeader('content-type', contentType);
        res.end(body);
      },
      (error: unknown) => {
        options.onError(error);
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('metrics could not be rendered\n');
      },
    );
  };
}
