import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import express from 'express';
import { createAccountSessions } from './auth/accountSessions';
import { createPartnerRegistry } from './auth/partnerRegistry';
import type { Config } from './config/config';
import { createCallbackRouter } from './connector/callbackRouter';
import { createConnectorService } from './connector/connectorService';
import { createConnectorSettingsStore } from './connector/connectorSettingsStore';
import { createCredentialReader } from './connector/credentialReader';
import { createInstallationStore } from './connector/installationStore';
import { createReauthorizationMarker } from './connector/reauthorizationMarker';
import type { Deps } from './core/deps';
import type { InstallationRef } from './core/installationRef';
import type { SecretBox } from './crypto/secretBox';
import { createFormatError } from './errors/formatError';
import { buildGatewaySchema, buildLocalSchema, loadJobberSchema, loadLocalTypeDefs, type JobberSchemaSnapshot } from './gateway/buildGatewaySchema';
import { createCostEstimator } from './gateway/costEstimator';
import { createFastPathCache, type FastPathCacheOptions } from './gateway/fastPathCache';
import { createFastPath } from './gateway/fastPath';
import { createJobberTransport } from './gateway/jobberTransport';
import { buildGatewayPlugins } from './gateway/gatewayPlugins';
import type { GatewayServices } from './gateway/gatewayServices';
import { createJobberExecutor } from './gateway/jobberExecutor';
import { createJobberForwarder } from './gateway/jobberForwarder';
import type { RequestContext } from './gateway/requestContext';
import { createGraphqlFrontDoor } from './http/graphqlFrontDoor';
import type { ExplorerDemo } from './http/explorerPage';
import { createGraphqlRouter, DEFAULT_BODY_LIMIT, parseByteSize } from './http/graphqlRouter';
import { createHealthRouter } from './http/healthRouter';
import { createMetricsEndpoint } from './http/metricsEndpoint';
import { routeOf } from './observability/accessLog';
import { createGatewayMetrics, type GatewayMetrics } from './observability/gatewayMetrics';
import { createGatewayTelemetry } from './observability/gatewayTelemetry';
import type { Tracing } from './observability/tracing';
import { createInstallationCounter } from './connector/installationCounter';
import { createCallerGate, DEFAULT_PARTNER_BUDGET, DEFAULT_UNAUTHENTICATED_BUDGET } from './limits/callerGate';
import { clientAddressOf } from './limits/clientAddress';
import { withDefaultLimits } from './limits/queryLimits';
import { createIntrospectionCachePlugin } from './limits/introspectionCachePlugin';
import { createQueryLimitChecker } from './limits/queryLimitChecker';
import type { Registry } from 'prom-client';
import { createRateLimiter } from './ratelimit/createRateLimiter';
import { createInvalidationChannel } from './store/invalidationChannel';
import { createJobberTokenClient } from './tokens/jobberTokenClient';
import { createTokenKeeper } from './tokens/tokenKeeper';
import { createTokenRefresher } from './tokens/tokenRefresher';
import { createTokenStore } from './tokens/tokenStore';
import { createJobberWebhookHandler } from './webhooks/jobberWebhookHandler';
import { createJobberWebhookRouter } from './webhooks/jobberWebhookRouter';
import { createPartnerEventQueue } from './webhooks/partnerEventQueue';
import { createSigningSecrets } from './webhooks/signingSecrets';
import { createTrustedDocumentCache } from './trusted/trustedDocumentCache';
import { admitForApollo, createTrustedDocumentGate } from './trusted/trustedDocumentGate';
import { buildTrustedDocumentPlugin } from './trusted/trustedDocumentPlugin';
import { createTrustedDocuments } from './trusted/trustedDocuments';
import { createTrustedDocumentStore } from './trusted/trustedDocumentStore';
import { documentParamsForApollo } from './http/graphqlRequestParams';

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

/** Builds the whole gateway from a validated config and the typed bag of dependencies. */
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
  const { logger } = deps;
  const jobber = options.jobber ?? loadJobberSchema();
  const apiVersion = config.jobberApiVersion ?? jobber.version;

  // Uninstalls, disconnects, revocations and key changes reach every process through it (issue 12).
  const invalidation = createInvalidationChannel({ store, logger });
  await invalidation.start();
  const recheckMs = config.cacheRecheckMs ?? 2_000;
  const partners = createPartnerRegistry({ store, clock, invalidation, recheckMs, logger });
  const signingSecrets = createSigningSecrets({ store, secretBox });
  const tokenClient = telemetry.observeTokenClient(
    createJobberTokenClient({ fetch: deps.fetch, baseUrl: config.jobberBaseUrl, timeoutMs: config.jobberTimeoutMs, clock }),
  );
  const tokenStore = createTokenStore({ store, secretBox, clock });

  // Built in dependency order: what the refresher needs (credentials, the reauthorization marker) only
  // reads or writes the store, so it comes first; the connector, which needs the refresher, after.
  const installations = createInstallationStore({ store, clock });
  const settingsStore = createConnectorSettingsStore({ store, secretBox, clock });
  const credentials = createCredentialReader({ installations, settingsStore, secretBox });
  const sessions = createAccountSessions({
    store,
    clock,
    invalidation,
    recheckMs,
    getPartner: (id) => partners.get(id),
    getInstallationStatus: async (ref) => (await installations.get(ref))?.status ?? null,
  });
  // An installation left INSTALLED: its sessions end, and every process drops what it cached of it.
  const endInstallation = (ref: InstallationRef) => sessions.revokeAccount(ref);
  const events = createPartnerEventQueue({
    deps,
    onDelivery: telemetry.onDelivery,
    allowPrivateTargets: config.webhookAllowPrivateTargets === true,
    getWebhookTarget: async (partnerId: string) => {
      const settings = await settingsStore.read(partnerId);
      if (!settings?.webhookUrl) return null;
      return { url: settings.webhookUrl, signingSecret: await signingSecrets.getOrCreate(partnerId) };
    },
  });
  const refresher = createTokenRefresher({
    deps,
    tokenStore,
    tokenClient,
    marginMs: config.tokenRefreshMarginMs,
    tokenTimeoutMs: config.jobberTimeoutMs,
    recheckMs,
    getCredentials: credentials.getCredentials,
    onReauthorizationRequired: createReauthorizationMarker({ deps, installations, events, endInstallation }),
  });
  const connector = createConnectorService({
    deps,
    secretBox,
    tokenClient,
    tokenStore,
    accessTokens: refresher,
    events,
    credentials,
    publicUrl: config.publicUrl,
    allowPrivateWebhookTargets: config.webhookAllowPrivateTargets === true,
    jobberBaseUrl: config.jobberBaseUrl,
    jobberTimeoutMs: config.jobberTimeoutMs,
    apiVersion,
    endInstallation,
    announceInstallation: (ref) => invalidation.publish({ kind: 'installation', ...ref }),
  });
  invalidation.listen((change) => change.kind === 'installation' && refresher.forget(change));
  const pacer = createRateLimiter({
    deps,
    estimateCost: createCostEstimator(jobber.schema, config.queryCostMaxNodes === undefined ? {} : { maxNodes: config.queryCostMaxNodes }),
    maxWaitMs: config.throttleMaxWaitMs,
    ...(config.maxQueryCost === undefined ? {} : { maxQueryCost: config.maxQueryCost }),
    onPaced: telemetry.onPaced,
  });
  const transport = createJobberTransport({ timeoutMs: config.jobberTimeoutMs });
  const forwarder = createJobberForwarder({
    deps,
    jobberBaseUrl: config.jobberBaseUrl,
    apiVersion,
    timeoutMs: config.jobberTimeoutMs,
    accessTokens: refresher,
    onDisconnected: (ref) => connector.markDisconnected(ref, 'Jobber says the account disconnected the app.'),
    pacer,
    transport,
    observer: telemetry.forwardObserver,
  });
  const keeper = createTokenKeeper({ deps, refresher, idleMs: config.tokenKeeperIdleMs });
  // Trusted documents (issue 13): registered per partner in the store, served from memory on the hot path.
  const documentStore = createTrustedDocumentStore({ store, clock });
  const documentCache = createTrustedDocumentCache({ clock, documents: documentStore, recheckMs });
  invalidation.listen((change) => change.kind === 'partner' && documentCache.forgetPartner(change.partnerId));
  const documents = createTrustedDocumentGate({ cache: documentCache });
  const trustedDocuments = createTrustedDocuments({
    documents: documentStore,
    schema: () => schema,
    invalidation,
    limits: {
      ...(config.trustedDocumentsMax === undefined ? {} : { maxDocuments: config.trustedDocumentsMax }),
      ...(config.trustedDocumentMaxBytes === undefined ? {} : { maxDocumentBytes: config.trustedDocumentMaxBytes }),
    },
  });
  const services = { partners, sessions, connector, forwarder, signingSecrets, trustedDocuments };

  const localSchema = buildLocalSchema(loadLocalTypeDefs(), config.localMaxStoreReads === undefined ? {} : { maxStoreReads: config.localMaxStoreReads });
  const schema = buildGatewaySchema({ jobber: jobber.schema, local: localSchema, executor: createJobberExecutor() });
  const queryLimits = withDefaultLimits(config.queryLimits);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError: createFormatError(logger),
    plugins: [...buildGatewayPlugins(logger), buildTrustedDocumentPlugin(), createIntrospectionCachePlugin<RequestContext>()],
    // Persisted queries are the gateway's own (trustedDocumentGate): Apollo's cache is shared by every
    // tenant of the process and would resolve a hash before the gateway could admit it.
    persistedQueries: false,
    // A second guard: the graphql router's context function refuses a text past the limits before this parse.
    parseOptions: { maxTokens: queryLimits.maxTokens },
    includeStacktraceInErrorResponses: false,
    introspection: true,
    // Every caller authenticates with a bearer header, never a cookie, so a cross-site request cannot
    // borrow anyone's credentials: Apollo's CSRF guard would only refuse plain GET queries from curl.
    csrfPrevention: false,
    // Only main.ts handles signals (it stops Apollo through close()). Apollo's own SIGTERM handler, installed
    // whenever NODE_ENV is not 'test', made every shutdown hang until main's 10 s fallback exit with code 1.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const web = express();
  web.disable('x-powered-by');
  const principals = telemetry.observePrincipals({ adminApiKey: config.adminApiKey, partners, sessions });
  // Budgets (undefined: the defaults; null: off) and the client address they count by.
  const callers = createCallerGate({
    principals,
    clock,
    perPartner: config.partnerBudget === undefined ? DEFAULT_PARTNER_BUDGET : config.partnerBudget,
    perClient: config.unauthenticatedBudget === undefined ? DEFAULT_UNAUTHENTICATED_BUDGET : config.unauthenticatedBudget,
    unknownCredentialTtlMs: recheckMs,
  });
  const trustProxyHops = config.trustProxyHops ?? 0;
  const addressOf = (req: IncomingMessage) => clientAddressOf(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxyHops);
  const fastPath =
    options.fastPath === false
      ? undefined
      : createFastPath({
          cache: createFastPathCache({ ...options.documentCache, gatewaySchema: schema, jobberSchema: jobber.schema, localSchema, limits: queryLimits }),
          gatewaySchema: schema,
          localSchema,
          admitCaller: (request) => callers.admit(request),
          services,
          documents,
          startPhase: telemetry.startPhase,
          logger,
        });
  // /graphql first: it is the hot route, and the other routers would only pass it along.
  const maxBodyBytes = config.maxBodyBytes ?? parseByteSize(DEFAULT_BODY_LIMIT);
  web.use(
    createGraphqlRouter({
      apollo,
      bodyLimit: maxBodyBytes,
      services,
      admitCaller: callers.admit,
      clientAddressOf: addressOf,
      limits: createQueryLimitChecker({ limits: queryLimits }),
      explorer: { demo: options.demo?.explorer },
      admitDocument: (principal, req) => {
        const url = req.originalUrl;
        const search = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
        return admitForApollo(documents, principal, documentParamsForApollo(req.method, req.body as unknown, search));
      },
    }),
  );
  const metricsEndpoint = createMetricsEndpoint({
    render: () => metrics.render(),
    token: config.metricsToken,
    onError: (error) => logger.error({ err: error }, 'metrics not rendered'),
  });
  // With METRICS_PORT, /metrics is served there only (metricsHandler); the main port answers it 404.
  let draining = false;
  web.use(
    createHealthRouter({
      store,
      isSchemaLoaded: () => true,
      metrics: config.metricsPort === undefined ? metricsEndpoint : undefined,
      isDraining: () => draining,
    }),
  );
  web.use(
    createJobberWebhookRouter({
      deps,
      findInstallations: (jobberAccountId) => connector.findInstallationsByJobberAccountId(jobberAccountId),
      onEvent: createJobberWebhookHandler({ markDisconnected: (ref, reason) => connector.markDisconnected(ref, reason), sink: events }),
      ...(config.jobberWebhookMaxAgeMs === undefined ? {} : { maxEventAgeMs: config.jobberWebhookMaxAgeMs }),
    }),
  );
  web.use(createCallbackRouter(connector, { explorerUrl: options.demo ? `${config.publicUrl}/graphql` : undefined }));

  const entry: RequestListener = fastPath
    ? createGraphqlFrontDoor({
        fastPath,
        fallback: web,
        bodyLimitBytes: maxBodyBytes,
        // The request observer (telemetry.wrap) counts every response, the front door's included.
        onOutcome: (outcome) => telemetry.noteFastPathOutcome(outcome),
        onError: (error) => logger.error({ err: error }, 'unexpected error in the fast path'),
        clientAddressOf: addressOf,
        carryAdmission: callers.carryOver,
        maxDepth: queryLimits.maxDepth,
      })
    : web;
  // Request id, access log, request metrics and the request span, for every request alike.
  const handler = telemetry.wrap(entry);
  const metricsHandler: RequestListener = (req, res) => {
    if (req.method === 'GET' && routeOf(req.url) === '/metrics') return metricsEndpoint(req, res);
    res.statusCode = 404;
    res.end();
  };

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
      await apollo.stop();
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
