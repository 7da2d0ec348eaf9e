import type { GraphQLSchema } from 'graphql';
import { createAccountSessions } from '../auth/accountSessions';
import { createPartnerRegistry } from '../auth/partnerRegistry';
import type { Config } from '../config/config';
import { createConnectorService, type ConnectorService } from '../connector/connectorService';
import { createConnectorSettingsStore } from '../connector/connectorSettingsStore';
import { createCredentialReader } from '../connector/credentialReader';
import { createInstallationStore } from '../connector/installationStore';
import { createReauthorizationMarker } from '../connector/reauthorizationMarker';
import type { Deps } from '../core/deps';
import type { InstallationRef } from '../core/installationRef';
import type { SecretBox } from '../crypto/secretBox';
import type { GatewayTelemetry } from '../observability/gatewayTelemetry';
import { createRateLimiter } from '../ratelimit/createRateLimiter';
import { createInvalidationChannel, type InvalidationChannel } from '../store/invalidationChannel';
import { createJobberTokenClient } from '../tokens/jobberTokenClient';
import { createTokenKeeper, type TokenKeeper } from '../tokens/tokenKeeper';
import { createTokenRefresher } from '../tokens/tokenRefresher';
import { createTokenStore } from '../tokens/tokenStore';
import { createTrustedDocumentCache } from '../trusted/trustedDocumentCache';
import { createTrustedDocumentGate, type TrustedDocumentGate } from '../trusted/trustedDocumentGate';
import { createTrustedDocuments } from '../trusted/trustedDocuments';
import { createTrustedDocumentStore } from '../trusted/trustedDocumentStore';
import { createPartnerEventQueue, type PartnerEventQueue } from '../webhooks/partnerEventQueue';
import { createSigningSecrets } from '../webhooks/signingSecrets';
import type { JobberSchemaSnapshot } from './buildGatewaySchema';
import { createCostEstimator } from './costEstimator';
import type { GatewayServices } from './gatewayServices';
import { createJobberForwarder } from './jobberForwarder';
import { createJobberTransport, type PooledJobberTransport } from './jobberTransport';

/** The part of the app's configuration (AppConfig, src/app.ts) the services are built from. */
export type GatewayServicesConfig = Pick<
  Config,
  'publicUrl' | 'jobberBaseUrl' | 'jobberApiVersion' | 'jobberTimeoutMs' | 'tokenRefreshMarginMs' | 'tokenKeeperIdleMs' | 'throttleMaxWaitMs'
> &
  Partial<
    Pick<Config, 'cacheRecheckMs' | 'maxQueryCost' | 'queryCostMaxNodes' | 'webhookAllowPrivateTargets' | 'trustedDocumentsMax' | 'trustedDocumentMaxBytes'>
  >;

export interface GatewayServicesOptions {
  config: GatewayServicesConfig;
  /** The app's dependencies, their logger already telemetry's (a line written while serving carries the requestId). */
  deps: Deps;
  secretBox: SecretBox;
  telemetry: Pick<GatewayTelemetry, 'observeTokenClient' | 'onDelivery' | 'onPaced' | 'forwardObserver'>;
  /** The Jobber schema the cost estimator reads; its version is the default API version. */
  jobber: JobberSchemaSnapshot;
  /**
   * The gateway schema trusted documents are validated against. Read lazily: createApp builds the
   * schema after the services, and nothing calls this before a registration arrives.
   */
  schema(): GraphQLSchema;
}

/** What buildGatewayServices hands createApp: the services, what the HTTP side needs, and what it starts and stops. */
export interface BuiltGatewayServices {
  /** Everything request handling needs (GatewayApp.services). */
  services: GatewayServices;
  /** The whole connector service: the callback and Jobber webhook routers use more than ConnectorApi. */
  connector: ConnectorService;
  /** The partner webhook queue: Jobber's webhooks are passed on through it. Started by startBackground. */
  events: PartnerEventQueue;
  /** Trusted documents as the hot path admits them (served from memory). */
  documents: TrustedDocumentGate;
  /** CACHE_RECHECK_MS with its default (2000), ms: how long a cached read is trusted without an invalidation. */
  recheckMs: number;
  /** Started here (cross-process invalidations); closed by the app's close(). */
  invalidation: InvalidationChannel;
  /** The token keeper, started by startBackground. */
  keeper: TokenKeeper;
  /** The keep-alive pool to Jobber; closed by the app's close(), after Apollo. */
  transport: PooledJobberTransport;
}

/**
 * Builds the services behind the gateway, from the invalidation channel to trusted documents. Starts the
 * invalidation channel (it subscribes in the store); nothing else runs until createApp's startBackground.
 */
export async function buildGatewayServices(options: GatewayServicesOptions): Promise<BuiltGatewayServices> {
  const { config, deps, secretBox, telemetry, jobber } = options;
  const { store, clock, logger } = deps;
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
    schema: options.schema,
    invalidation,
    limits: {
      ...(config.trustedDocumentsMax === undefined ? {} : { maxDocuments: config.trustedDocumentsMax }),
      ...(config.trustedDocumentMaxBytes === undefined ? {} : { maxDocumentBytes: config.trustedDocumentMaxBytes }),
    },
  });
  const services = { partners, sessions, connector, forwarder, signingSecrets, trustedDocuments };
  return { services, connector, events, documents, recheckMs, invalidation, keeper, transport };
}
