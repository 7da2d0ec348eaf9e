import { createServer, type RequestListener, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Config } from './config/config';
import { createInstallationCounter } from './connector/installationCounter';
import type { Deps } from './core/deps';
import type { SecretBox } from './crypto/secretBox';
import { buildGatewaySchema, buildLocalSchema, loadJobberSchema, loadLocalTypeDefs, type JobberSchemaSnapshot } from './gateway/buildGatewaySchema';
import { buildGatewayServices } from './gateway/buildGatewayServices';
import type { FastPathCacheOptions } from './gateway/fastPathCache';
import type { GatewayServices } from './gateway/gatewayServices';
import { createJobberExecutor } from './gateway/jobberExecutor';
import { buildHttpEntry } from './http/buildHttpEntry';
import type { ExplorerDemo } from './http/explorerPage';
import { createGatewayMetrics, type GatewayMetrics } from './observability/gatewayMetrics';
import { createGatewayTelemetry } from './observability/gatewayTelemetry';
import type { Tracing } from './observability/tracing';

export type AppConfig = Pick<
  Config,
  | 'publicUrl'
  | 'jobberBaseUrl'
  | 'jobberApiVersion'
  | 'adminApiKey'
  | 'jobberTimeoutMs'
  | 'tokenRefreshMarginMs'
  | 'tokenKeeperIdleMs'
  | 'throttleMaxWaitMs'
> &
  Partial<
    Pick<
      Config,
      | 'cacheRecheckMs'
      | 'metricsToken'
      | 'metricsPort'
      | 'maxQueryCost'
      | 'queryCostMaxNodes'
      | 'webhookAllowPrivateTargets'
      | 'jobberWebhookMaxAgeMs'
      | 'localMaxStoreReads'
      | 'trustedDocumentsMax'
      | 'trustedDocumentMaxBytes'
      | 'queryLimits'
      | 'maxBodyBytes'
      | 'partnerBudget'
      | 'unauthenticatedBudget'
      | 'trustProxyHops'
    >
  >;

export interface AppOptions {
  config: AppConfig;
  deps: Deps;
  secretBox: SecretBox;
  /** Defaults to schema/jobber.graphql (loaded once; tests share one snapshot across apps). */
  jobber?: JobberSchemaSnapshot;
  /** Answer Jobber and mixed operations without stitching (src/http/graphqlFrontDoor.ts, src/gateway/fastPath.ts). Default true. */
  fastPath?: boolean;
  /**
   * Demo mode only: src/main.ts's demo branch sets it, no configuration can. The explorer opens with the
   * demo partner's headers (awaited when its page is first asked for) and an install's success page
   * links to the explorer.
   */
  demo?: { explorer: Promise<ExplorerDemo> };
  /** The registry this app's metrics go to. Default a new one per app (never prom-client's global registry). */
  metricsRegistry?: Registry;
  /** Tracing (createTracing), owned by the caller (it shuts it down). Default off. */
  tracing?: Tracing;
  /**
   * Bounds of the fast path's document cache (query texts, their parsed documents and decisions): entries
   * (default 1000), characters of query text (default 8 MiB) and the longest text kept (default 64 Ki
   * characters). See FastPathCacheOptions.
   */
  documentCache?: Pick<FastPathCacheOptions, 'maxEntries' | 'maxBytes' | 'maxCachedQueryLength'>;
}

export interface GatewayApp {
  /** The request listener: mount it on a server (`listen`). */
  handler: RequestListener;
  services: GatewayServices;
  metrics: GatewayMetrics;
  /** `GET /metrics` alone (with METRICS_TOKEN's check), for the METRICS_PORT listener; 404 for anything else. */
  metricsHandler: RequestListener;
  /** Starts the background work: the token keeper and the partner webhook queue. */
  startBackground(): void;
  /** The process is about to stop: `/readyz` answers 503 from now on; requests are still served. */
  beginShutdown(): void;
  /** Stops background work and Apollo; the caller closes the HTTP server and the store. */
  close(): Promise<void>;
  /** Convenience for tests and main: listen on a port (0 = any) on 127.0.0.1 unless `host` is given. */
  listen(port: number, host?: string): Promise<{ server: Server; url: string }>;
}

/**
 * Builds the whole gateway from a validated config and the typed bag of dependencies: the services
 * (buildGatewayServices), the schema, then the HTTP side (buildHttpEntry).
 */
export async function createApp(options: AppOptions): Promise<GatewayApp> {
  const { config, secretBox } = options;
  const { store, clock } = options.deps;
  const metrics = createGatewayMetrics({
    ...(options.metricsRegistry ? { registry: options.metricsRegistry } : {}),
    countInstallations: createInstallationCounter({ store, clock, logger: options.deps.logger }),
  });
  const telemetry = createGatewayTelemetry({ metrics, tracing: options.tracing, logger: options.deps.logger });
  // Every module logs through this one: a line written while a request is served carries its requestId.
  const deps = { ...options.deps, logger: telemetry.logger };
  const jobber = options.jobber ?? loadJobberSchema();

  // Trusted documents validate against `schema`, built below: they read it lazily, at a registration.
  const built = await buildGatewayServices({ config, deps, secretBox, telemetry, jobber, schema: () => schema });
  const localSchema = buildLocalSchema(loadLocalTypeDefs(), config.localMaxStoreReads === undefined ? {} : { maxStoreReads: config.localMaxStoreReads });
  const schema = buildGatewaySchema({ jobber: jobber.schema, local: localSchema, executor: createJobberExecutor() });

  let draining = false;
  const http = await buildHttpEntry({
    config,
    deps,
    telemetry,
    metrics,
    built,
    schemas: { gateway: schema, local: localSchema, jobber: jobber.schema },
    fastPath: options.fastPath,
    documentCache: options.documentCache,
    demo: options.demo,
    isDraining: () => draining,
  });
  const { handler, metricsHandler } = http;
  const { services, invalidation, keeper, events, transport } = built;

  return {
    handler,
    services,
    metrics,
    metricsHandler,
    startBackground() {
      keeper.start();
      events.start();
    },
    beginShutdown() {
      draining = true;
    },
    async close() {
      await invalidation.close();
      keeper.stop();
      await events.stop();
      await http.stop();
      await transport.close();
    },
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const server = createServer(handler);
        server.listen(port, host, () => {
          const address = server.address();
          const actual = typeof address === 'object' && address ? address.port : port;
          resolve({ server, url: `http://${host}:${actual}` });
        });
        server.once('error', reject);
      });
    },
  };
}
