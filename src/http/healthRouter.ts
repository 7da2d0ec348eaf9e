import express, { type Router } from 'express';
import type { Store } from '../store/store';
import type { Metrics } from './metrics';

/**
 * `/healthz` (process alive), `/readyz` (store reachable and schema loaded; 503 at once while the
 * process drains for a shutdown, so load balancers stop sending it new work), `/metrics` (Prometheus text).
 */
export function createHealthRouter(options: { store: Store; isSchemaLoaded(): boolean; metrics: Metrics; isDraining?(): boolean }): Router {
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
  router.get('/metrics', (_req, res) => {
    res.type('text/plain; version=0.0.4').send(options.metrics.render());
  });
  return router;
}
