import express, { type Router } from 'express';
import type { Store } from '../store/store';
import type { Metrics } from './metrics';

/** `/healthz` (process alive), `/readyz` (store reachable and schema loaded), `/metrics` (Prometheus text). */
export function createHealthRouter(options: { store: Store; isSchemaLoaded(): boolean; metrics: Metrics }): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
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
