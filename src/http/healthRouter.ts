import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Router } from 'express';
import type { Store } from '../store/store';

/**
 * `/healthz` (process alive), `/readyz` (store reachable and schema loaded; 503 at once while the
 * process drains for a shutdown, so load balancers stop sending it new work), `/metrics` (Prometheus text,
 * createMetricsEndpoint) unless `metrics` is undefined: then the metrics are served on their own port only.
 */
export function createHealthRouter(options: {
  store: Store;
  isSchemaLoaded(): boolean;
  metrics: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  isDraining?(): boolean;
}): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (options.isDraining?.() === true) {
      res.status(503).json({ status: 'draining', checks: { shutdown: 'draining' } });
      return;
    }
    const checks = { store: 'ok', schema: options.isSchemaLoaded() ? 'ok' : 'loading' };
    try {
      await options.store.ping();
    } catch {
      checks.store = 'unavailable';
    }
    const ready = checks.store === 'ok' && checks.schema === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  const { metrics } = options;
  if (metrics) router.get('/metrics', (req, res) => metrics(req, res));
  return router;
}
