import type { RequestHandler } from 'express';
import type { Metrics } from './metrics';

/** The routes worth a label; anything else is counted as `other` so labels stay bounded. */
const ROUTES = ['/graphql', '/connector/callback', '/webhooks/jobber', '/healthz', '/readyz', '/metrics'];

export const REQUEST_METRIC = 'gateway_http_requests_total';

/** Counts every HTTP response by route and status code. */
export function createRequestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    // Read now: routers mounted on a path rewrite req.path while the request goes through them.
    const path = req.path;
    res.once('finish', () => {
      const route = ROUTES.find((r) => path === r) ?? 'other';
      metrics.inc(REQUEST_METRIC, { route, status: String(res.statusCode) });
    });
    next();
  };
}
