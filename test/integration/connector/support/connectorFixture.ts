import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { createCallbackRouter } from '../../../../src/connector/callbackRouter';
import { createConnectorService, type ConnectorService } from '../../../../src/connector/connectorService';
import { createConnectorSettingsStore } from '../../../../src/connector/connectorSettingsStore';
import { createCredentialReader, type CredentialReader } from '../../../../src/connector/credentialReader';
import { createInstallationStore } from '../../../../src/connector/installationStore';
import { createReauthorizationMarker } from '../../../../src/connector/reauthorizationMarker';
import type { Clock, Deps } from '../../../../src/core/deps';
import type { InstallationRef } from '../../../../src/core/installationRef';
import type { PartnerEvent } from '../../../../src/core/partnerEvents';
import { createSecretBox, type SecretBox } from '../../../../src/crypto/secretBox';
import { createSandbox, type Sandbox } from '../../../../src/sandbox/sandbox';
import { createRedisStore } from '../../../../src/store/redisStore';
import type { Store } from '../../../../src/store/store';
import { createJobberTokenClient } from '../../../../src/tokens/jobberTokenClient';
import { createTokenRefresher, type TokenRefresher } from '../../../../src/tokens/tokenRefresher';
import { createTokenStore, type TokenStore } from '../../../../src/tokens/tokenStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../../support/redisUrl';

export interface ConnectorFixture {
  /** The gateway's origin (the callback router is mounted there). */
  url: string;
  callbackUrl: string;
  sandbox: Sandbox;
  store: Store;
  /** The Redis key prefix of `store` (for raw inspection of what is at rest). */
  keyPrefix: string;
  secretBox: SecretBox;
  tokenStore: TokenStore;
  refresher: TokenRefresher;
  /** The credential reader the refresher and `service` share (built first, as in the app). */
  credentials: CredentialReader;
  /** What the refresher calls when Jobber refuses a refresh token for good (the app's reauthorization marker). */
  markReauthorizationRequired(ref: InstallationRef, reason: string): Promise<void>;
  service: ConnectorService;
  events: PartnerEvent[];
  /** Every log line written by the connector, the token client and the refresher. */
  logs: string[];
  /** Every token Jobber (the sandbox) handed out to the gateway, read off the wire. */
  issuedTokens: string[];
  /** Every body the gateway answered with (pages, service results) for the secret scan. */
  answers: string[];
  /** A second service with its own clock and, optionally, its own store (expired states, store outages). */
  buildService(options: { clock?: Clock; store?: Store }): ConnectorService;
  /** GETs a URL on the gateway without following redirects; records the body. */
  get(url: string): Promise<{ status: number; location: string | null; body: string }>;
  /** Records a service result for the secret scan and returns it. */
  seen<T>(value: T): T;
  close(): Promise<void>;
}

/**
 * The connector service with its real neighbours: a real Redis store (unique prefix), the real token
 * client, token store and refresher, the Jobber sandbox over HTTP, and the callback router on an
 * express app listening on port 0.
 */
export async function startConnectorFixture(): Promise<ConnectorFixture> {
  const sandbox = await createSandbox();
  const keyPrefix = uniqueKeyPrefix('connector');
  const store = createRedisStore({ url: testRedisUrl(), keyPrefix });
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const issuedTokens: string[] = [];
  const answers: string[] = [];
  // Reads token responses off the wire so the scan knows every token, including ones never stored.
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (String(input).endsWith('/api/oauth/token') && response.ok) {
      const body = (await response.clone().json()) as { access_token?: string; refresh_token?: string };
      for (const token of [body.access_token, body.refresh_token]) if (token) issuedTokens.push(token);
    }
    return response;
  };
  const clock: Clock = { now: () => Date.now() };
  const deps: Deps = { store, fetch: recordingFetch, clock, logger };
  const secretBox = createSecretBox({ keys: [randomBytes(32)] });
  const tokenClient = createJobberTokenClient({ fetch: recordingFetch, baseUrl: sandbox.url, timeoutMs: 5000, clock });
  const tokenStore = createTokenStore({ store, secretBox, clock });
  const events: PartnerEvent[] = [];
  const sink = { emit: async (event: PartnerEvent) => void events.push(event) };

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Built in the app's order (src/app.ts): what the refresher needs (the credential reader, the
  // reauthorization marker) only reads or writes the store, so it comes first; the connector after.
  const credentialReaderOn = (target: Store) =>
    createCredentialReader({
      installations: createInstallationStore({ store: target, clock }),
      settingsStore: createConnectorSettingsStore({ store: target, secretBox, clock }),
      secretBox,
    });
  const credentials = credentialReaderOn(store);
  const markReauthorizationRequired = createReauthorizationMarker({ deps, installations: createInstallationStore({ store, clock }), events: sink });
  const refresher = createTokenRefresher({
    deps,
    tokenStore,
    tokenClient,
    marginMs: 300_000,
    tokenTimeoutMs: 5000,
    getCredentials: credentials.getCredentials,
    onReauthorizationRequired: markReauthorizationRequired,
  });
  const buildService = (options: { clock?: Clock; store?: Store }) =>
    createConnectorService({
      deps: { ...deps, clock: options.clock ?? clock, store: options.store ?? store },
      secretBox,
      tokenClient,
      tokenStore,
      accessTokens: refresher,
      events: sink,
      // A service on another store reads its credentials there; on the fixture's store it shares the refresher's reader.
      credentials: options.store ? credentialReaderOn(options.store) : credentials,
      publicUrl: url,
      jobberBaseUrl: sandbox.url,
      apiVersion: '2025-04-16',
      jobberTimeoutMs: 5000,
    });
  const service = buildService({ clock });
  const app = express();
  app.use(createCallbackRouter(service));
  server.on('request', app);

  return {
    url,
    callbackUrl: `${url}/connector/callback`,
    sandbox,
    store,
    keyPrefix,
    secretBox,
    tokenStore,
    refresher,
    credentials,
    markReauthorizationRequired,
    service,
    events,
    logs,
    issuedTokens,
    answers,
    buildService,
    async get(target) {
      const response = await fetch(target, { redirect: 'manual' });
      const body = await response.text();
      answers.push(body, response.headers.get('location') ?? '');
      return { status: response.status, location: response.headers.get('location'), body };
    },
    seen(value) {
      answers.push(JSON.stringify(value));
      return value;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
      await sandbox.close();
    },
  };
}

/** A sandbox app registered on the fixture's callback URL, with fresh random credentials. */
export function registerApp(fixture: ConnectorFixture): { clientId: string; clientSecret: string } {
  const clientId = `app-${randomBytes(6).toString('hex')}`;
  const clientSecret = `secret-${randomBytes(24).toString('base64url')}`;
  fixture.sandbox.control.registerApp({ clientId, clientSecret, redirectUri: fixture.callbackUrl });
  return { clientId, clientSecret };
}

/** A partner id unique to one test. */
export function newPartnerId(): string {
  return `p-${randomBytes(5).toString('hex')}`;
}
