import type { IncomingMessage, RequestListener } from 'node:http';
import { ApolloServer } from '@apollo/server';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config';
import { createCallbackRouter } from '../connector/callbackRouter';
import type { Deps } from '../core/deps';
import { createFormatError } from '../errors/formatError';
import type { BuiltGatewayServices } from '../gateway/buildGatewayServices';
import { createFastPath } from '../gateway/fastPath';
import { createFastPathCache, type FastPathCacheOptions } from '../gateway/fastPathCache';
import { buildGatewayPlugins } from '../gateway/gatewayPlugins';
import type { RequestContext } from '../gateway/requestContext';
import { createCallerGate, DEFAULT_PARTNER_BUDGET, DEFAULT_UNAUTHENTICATED_BUDGET, type CallerRequest } from '../limits/callerGate';
import { clientAddressOf } from '../limits/clientAddress';
import { createIntrospectionCachePlugin } from '../limits/introspectionCachePlugin';
import { createQueryLimitChecker } from '../limits/queryLimitChecker';
import { MAX_VALIDATION_ERRORS, withDefaultLimits } from '../limits/queryLimits';
import { routeOf } from '../observability/accessLog';
import type { GatewayMetrics } from '../observability/gatewayMetrics';
import type { GatewayTelemetry } from '../observability/gatewayTelemetry';
import { admitForApollo } from '../trusted/trustedDocumentGate';
import { buildTrustedDocumentPlugin } from '../trusted/trustedDocumentPlugin';
import { createJobberWebhookHandler } from '../webhooks/jobberWebhookHandler';
import { createJobberWebhookRouter } from '../webhooks/jobberWebhookRouter';
import type { ExplorerDemo } from './explorerPage';
import { createGraphqlFrontDoor } from './graphqlFrontDoor';
import { documentParamsForApollo } from './graphqlRequestParams';
import { createGraphqlRouter, DEFAULT_BODY_LIMIT, parseByteSize } from './graphqlRouter';
import { createHealthRouter } from './healthRouter';
import { createMetricsEndpoint } from './metricsEndpoint';
import { requestScopeOf, type RequestScope } from '../observability/requestScope';

/** The part of the app's configuration (AppConfig, src/app.ts) the HTTP side is built from. */
export type HttpEntryConfig = Pick<Config, 'publicUrl' | 'adminApiKey'> &
  Partial<
    Pick<
      Config,
      'metricsToken' | 'metricsPort' | 'jobberWebhookMaxAgeMs' | 'queryLimits' | 'maxBodyBytes' | 'partnerBudget' | 'unauthenticatedBudget' | 'trustProxyHops'
    >
  >;

export interface HttpEntryOptions {
  config: HttpEntryConfig;
  /** The app's dependencies, their logger already telemetry's. */
  deps: Deps;
  telemetry: GatewayTelemetry;
  metrics: Pick<GatewayMetrics, 'render'>;
  /** What buildGatewayServices built: the services and the connector, event queue and document gate the routes use. */
  built: Pick<BuiltGatewayServices, 'services' | 'connector' | 'events' | 'documents' | 'recheckMs'>;
  /** The stitched gateway schema, the local schema and Jobber's (the fast path classifies against all three). */
  schemas: { gateway: GraphQLSchema; local: GraphQLSchema; jobber: GraphQLSchema };
  /** See AppOptions.fastPath. Default true. */
  fastPath?: boolean;
  /** See AppOptions.documentCache. */
  documentCache?: Pick<FastPathCacheOptions, 'maxEntries' | 'maxBytes' | 'maxCachedQueryLength'>;
  /** See AppOptions.demo. */
  demo?: { explorer: Promise<ExplorerDemo> };
  /** True once the app's beginShutdown ran: `/readyz` answers 503. */
  isDraining(): boolean;
}

export interface HttpEntry {
  /** Every request of the main port (GatewayApp.handler), observed by telemetry. */
  handler: RequestListener;
  /** `GET /metrics` alone, for the METRICS_PORT listener (GatewayApp.metricsHandler). */
  metricsHandler: RequestListener;
  /** Stops Apollo (the app's close()). */
  stop(): Promise<void>;
}

/**
 * Builds the HTTP side: Apollo (started here), the caller gate, the fast path and its front door, the
 * express routers (/graphql, health and metrics, Jobber's webhooks, the connector callback) and the
 * metrics listener's handler.
 */
export async function buildHttpEntry(options: HttpEntryOptions): Promise<HttpEntry> {
  const { config, deps, telemetry, metrics, schemas } = options;
  const { services, connector, events, documents, recheckMs } = options.built;
  const { store, clock, logger } = deps;
  const queryLimits = withDefaultLimits(config.queryLimits);
  const apollo = new ApolloServer<RequestContext>({
    schema: schemas.gateway,
    formatError: createFormatError(logger),
    plugins: [...buildGatewayPlugins(logger), buildTrustedDocumentPlugin(), createIntrospectionCachePlugin<RequestContext>()],
    // Persisted queries are the gateway's own (trustedDocumentGate): Apollo's cache is shared by every
    // tenant of the process and would resolve a hash before the gateway could admit it.
    persistedQueries: false,
    // A second guard: the graphql router's context function refuses a text past the limits before this parse.
    parseOptions: { maxTokens: queryLimits.maxTokens },
    validationOptions: { maxErrors: MAX_VALIDATION_ERRORS },
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
  const principals = { adminApiKey: config.adminApiKey, partners: services.partners, sessions: services.sessions };
  // Budgets (undefined: the defaults; null: off) and the client address they count by.
  const callers = createCallerGate({
    principals,
    clock,
    perPartner: config.partnerBudget === undefined ? DEFAULT_PARTNER_BUDGET : config.partnerBudget,
    perClient: config.unauthenticatedBudget === undefined ? DEFAULT_UNAUTHENTICATED_BUDGET : config.unauthenticatedBudget,
    unknownCredentialTtlMs: recheckMs,
  });
  // Both paths admit through here: the partner a credential names goes on the request's scope (access log).
  const admit = (caller: CallerRequest, ticket: object, scope: RequestScope | undefined) =>
    callers.admit(caller, ticket).then((principal) => (telemetry.notePrincipal(scope, principal), principal));
  const trustProxyHops = config.trustProxyHops ?? 0;
  const addressOf = (req: IncomingMessage) => clientAddressOf(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxyHops);
  const fastPath =
    options.fastPath === false
      ? undefined
      : createFastPath({
          cache: createFastPathCache({
            ...options.documentCache,
            gatewaySchema: schemas.gateway,
            jobberSchema: schemas.jobber,
            localSchema: schemas.local,
            limits: queryLimits,
          }),
          gatewaySchema: schemas.gateway,
          localSchema: schemas.local,
          admitCaller: (request) => admit(request, request, request.scope),
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
      admitCaller: (caller, req) => admit(caller, req, requestScopeOf(req)),
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
  web.use(
    createHealthRouter({
      store,
      isSchemaLoaded: () => true,
      metrics: config.metricsPort === undefined ? metricsEndpoint : undefined,
      isDraining: options.isDraining,
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

  // X-Request-Id on every answer: express's set before it runs, the front door's within its one writeHead.
  const requestIdOf = (req: IncomingMessage): Record<string, string> | undefined => {
    const scope = requestScopeOf(req);
    return scope === undefined ? undefined : { 'x-request-id': scope.id };
  };
  const viaExpress: RequestListener = (req, res) => {
    const scope = requestScopeOf(req);
    if (scope !== undefined) res.setHeader('x-request-id', scope.id);
    web(req, res);
  };
  const entry: RequestListener = fastPath
    ? createGraphqlFrontDoor({
        fastPath,
        fallback: viaExpress,
        answerHeadersOf: requestIdOf,
        bodyLimitBytes: maxBodyBytes,
        // The request observer (telemetry.wrap) counts every response, the front door's included.
        onOutcome: (req, outcome) => telemetry.noteFastPathOutcome(outcome, req),
        onError: (error) => logger.error({ err: error }, 'unexpected error in the fast path'),
        clientAddressOf: addressOf,
        carryAdmission: callers.carryOver,
        maxDepth: queryLimits.maxDepth,
      })
    : viaExpress;
  // Request id, access log, request metrics and the request span, for every request alike.
  const handler = telemetry.wrap(entry);
  const metricsHandler: RequestListener = (req, res) => {
    if (req.method === 'GET' && routeOf(req.url) === '/metrics') return metricsEndpoint(req, res);
    res.statusCode = 404;
    res.end();
  };
  return { handler, metricsHandler, stop: () => apollo.stop() };
}
