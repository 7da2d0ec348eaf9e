import { createServer, type RequestListener, type Server } from 'node:http';
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
import type { SecretBox } from './crypto/secretBox';
import { formatError } from './errors/formatError';
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
import { createGraphqlRouter, DEFAULT_BODY_LIMIT, parseByteSize } from './http/graphqlRouter';
import { createHealthRouter } from './http/healthRouter';
import { createMetrics } from './http/metrics';
import { createRequestMetrics, REQUEST_METRIC } from './http/requestMetrics';
import { createRateLimiter } from './ratelimit/createRateLimiter';
import { createJobberTokenClient } from './tokens/jobberTokenClient';
import { createTokenKeeper } from './tokens/tokenKeeper';
import { createTokenRefresher } from './tokens/tokenRefresher';
import { createTokenStore } from './tokens/tokenStore';
import { createJobberWebhookHandler } from './webhooks/jobberWebhookHandler';
import { createJobberWebhookRouter } from './webhooks/jobberWebhookRouter';
import { createPartnerEventQueue } from './webhooks/partnerEventQueue';
import { createSigningSecrets } from './webhooks/signingSecrets';

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
  /** Starts the background work: the token keeper and the partner webhook queue. */
  startBackground(): void;
  /** Stops background work and Apollo; the caller closes the HTTP server and the store. */
  close(): Promise<void>;
  /** Convenience for tests and main: listen on a port (0 = any) on 127.0.0.1 unless `host` is given. */
  listen(port: number, host?: string): Promise<{ server: Server; url: string }>;
}

/** Builds the whole gateway from a validated config and the typed bag of dependencies. */
export async function createApp(options: AppOptions): Promise<GatewayApp> {
  const { config, deps, secretBox } = options;
  const { store, clock, logger } = deps;
  const jobber = options.jobber ?? loadJobberSchema();
  const apiVersion = config.jobberApiVersion ?? jobber.version;
  const metrics = createMetrics({
    [REQUEST_METRIC]: 'HTTP responses by route and status code',
    gateway_fast_path_total: 'GraphQL requests to /graphql by what the fast path did (forwarded, split, refused, handed_off)',
  });

  const partners = createPartnerRegistry({ store, clock });
  const sessions = createAccountSessions({ store, clock });
  const signingSecrets = createSigningSecrets({ store, secretBox });
  const tokenClient = createJobberTokenClient({ fetch: deps.fetch, baseUrl: config.jobberBaseUrl, timeoutMs: config.jobberTimeoutMs, clock });
  const tokenStore = createTokenStore({ store, secretBox, clock });

  // Built in dependency order: what the refresher needs (credentials, the reauthorization marker) only
  // reads or writes the store, so it comes first; the connector, which needs the refresher, after.
  const installations = createInstallationStore({ store, clock });
  const settingsStore = createConnectorSettingsStore({ store, secretBox, clock });
  const credentials = createCredentialReader({ installations, settingsStore, secretBox });
  const events = createPartnerEventQueue({
    deps,
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
    getCredentials: credentials.getCredentials,
    onReauthorizationRequired: createReauthorizationMarker({ deps, installations, events }),
  });
  const connector = createConnectorService({
    deps,
    secretBox,
    tokenClient,
    tokenStore,
    accessTokens: refresher,
    events,
    publicUrl: config.publicUrl,
    jobberBaseUrl: config.jobberBaseUrl,
    jobberTimeoutMs: config.jobberTimeoutMs,
    apiVersion,
  });
  const pacer = createRateLimiter({ deps, estimateCost: createCostEstimator(jobber.schema), maxWaitMs: config.throttleMaxWaitMs });
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
  });
  const keeper = createTokenKeeper({ deps, refresher, idleMs: config.tokenKeeperIdleMs });
  const services = { partners, sessions, connector, forwarder, signingSecrets };

  const localSchema = buildLocalSchema(loadLocalTypeDefs());
  const schema = buildGatewaySchema({ jobber: jobber.schema, local: localSchema, executor: createJobberExecutor() });
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError,
    plugins: buildGatewayPlugins(logger),
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
  web.use(createRequestMetrics(metrics));
  const principals = { adminApiKey: config.adminApiKey, partners, sessions };
  const fastPath =
    options.fastPath === false
      ? undefined
      : createFastPath({
          cache: createFastPathCache({ ...options.documentCache, gatewaySchema: schema, jobberSchema: jobber.schema, localSchema }),
          gatewaySchema: schema,
          localSchema,
          principals,
          services,
        });
  // /graphql first: it is the hot route, and the other routers would only pass it along.
  web.use(createGraphqlRouter({ apollo, services, principals }));
  web.use(createHealthRouter({ store, isSchemaLoaded: () => true, metrics }));
  web.use(
    createJobberWebhookRouter({
      deps,
      findInstallations: (jobberAccountId) => connector.findInstallationsByJobberAccountId(jobberAccountId),
      onEvent: createJobberWebhookHandler({ markDisconnected: (ref, reason) => connector.markDisconnected(ref, reason), sink: events }),
    }),
  );
  web.use(createCallbackRouter(connector));

  const handler: RequestListener = fastPath
    ? createGraphqlFrontDoor({
        fastPath,
        fallback: web,
        bodyLimitBytes: parseByteSize(DEFAULT_BODY_LIMIT),
        onOutcome: (outcome, status) => {
          metrics.inc('gateway_fast_path_total', { outcome });
          // express counts what it answers; the front door counts the rest.
          if (status !== undefined) metrics.inc(REQUEST_METRIC, { route: '/graphql', status: String(status) });
        },
        onError: (error) => logger.error({ err: error }, 'unexpected error in the fast path'),
      })
    : web;

  return {
    handler,
    services,
    startBackground() {
      keeper.start();
      events.start();
    },
    async close() {
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
