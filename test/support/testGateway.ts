import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type AppConfig, type GatewayApp } from '../../src/app';
import { systemClock, type Deps } from '../../src/core/deps';
import { createSecretBox } from '../../src/crypto/secretBox';
import { loadJobberSchema, type JobberSchemaSnapshot } from '../../src/gateway/buildGatewaySchema';
import type { Tracing } from '../../src/observability/tracing';
import { approveConsent } from '../../src/sandbox/approveConsent';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import { createRedisStore } from '../../src/store/redisStore';
import type { Store } from '../../src/store/store';
import { testRedisUrl, uniqueKeyPrefix } from './redisUrl';

let snapshot: JobberSchemaSnapshot | undefined;
/** The Jobber snapshot, parsed once per test file. */
export function jobberSnapshot(): JobberSchemaSnapshot {
  snapshot ??= loadJobberSchema();
  return snapshot;
}

export interface TestGateway {
  url: string;
  app: GatewayApp;
  sandbox: Sandbox;
  store: Store;
  adminKey: string;
  /** Log lines the gateway wrote (to check that no secret ever appears). */
  logs: string[];
  close(): Promise<void>;
}

/** What startTestGateway can be given; every part defaults to a fresh one. */
export interface TestGatewayOptions {
  sandbox?: Sandbox;
  config?: Partial<AppConfig>;
  store?: Store;
  background?: boolean;
  /** Share these to run several gateways over one store (default: a fresh key). */
  encryptionKeys?: Buffer[];
  adminKey?: string;
  /** Default true (see AppOptions.fastPath). */
  fastPath?: boolean;
  /** Default off (see AppOptions.tracing); the caller shuts it down. */
  tracing?: Tracing;
}

/** A real gateway on port 0 over a real Redis (unique key prefix) in front of a real sandbox. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const sandbox = options.sandbox ?? (await createSandbox());
  const store = options.store ?? createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('gw') });
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const deps: Deps = { store, fetch: globalThis.fetch, clock: systemClock, logger };
  const adminKey = options.adminKey ?? randomBytes(24).toString('base64url');
  // Listen first so the public URL (and so the OAuth callback) is the real one.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = await createApp({
    deps,
    secretBox: createSecretBox({ keys: options.encryptionKeys ?? [randomBytes(32)] }),
    jobber: jobberSnapshot(),
    ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }),
    ...(options.tracing === undefined ? {} : { tracing: options.tracing }),
    config: {
      publicUrl: url,
      jobberBaseUrl: sandbox.url,
      jobberApiVersion: undefined,
      adminApiKey: adminKey,
      jobberTimeoutMs: 5000,
      tokenRefreshMarginMs: 300_000,
      tokenKeeperIdleMs: 24 * 3600 * 1000,
      throttleMaxWaitMs: 2000,
      ...options.config,
    },
  });
  server.on('request', app.handler);
  if (options.background) app.startBackground();
  return {
    url,
    app,
    sandbox,
    store,
    adminKey,
    logs,
    async close() {
      await app.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (!options.store) await store.close();
      if (!options.sandbox) await sandbox.close();
    },
  };
}

export interface GraphqlAnswer {
  status: number;
  body: {
    data?: Record<string, any> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
    extensions?: Record<string, any>;
  };
  text: string;
}

/** POSTs one GraphQL request like a partner's backend would. */
export async function postGraphql(
  url: string,
  request: { query: string; variables?: Record<string, unknown>; operationName?: string },
  headers: Record<string, string> = {},
): Promise<GraphqlAnswer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as GraphqlAnswer['body'], text };
}

export interface TestPartner {
  partnerId: string;
  apiKey: string;
  clientId: string;
  clientSecret: string;
  headers(accountId?: string): Record<string, string>;
}

/**
 * A partner created through the admin mutation, with a sandbox app registered on the gateway's callback.
 * With `configure` (default) the app's credentials go into the partner's connector settings.
 */
export async function createTestPartner(
  gateway: TestGateway,
  options: { configure?: boolean; jobberWebhooks?: boolean } = {},
): Promise<TestPartner> {
  const created = await postGraphql(
    gateway.url,
    { query: 'mutation($name: String!) { createPartner(name: $name) { partner { id name } apiKey } }', variables: { name: 'Acme Field Apps' } },
    { authorization: `Bearer ${gateway.adminKey}` },
  );
  if (!created.body.data) throw new Error(`createPartner failed: ${created.text}`);
  const { partner, apiKey } = created.body.data.createPartner as { partner: { id: string }; apiKey: string };
  const clientId = `app-${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('base64url');
  gateway.sandbox.control.registerApp({
    clientId,
    clientSecret,
    redirectUri: `${gateway.url}/connector/callback`,
    ...(options.jobberWebhooks ? { webhookUrl: `${gateway.url}/webhooks/jobber` } : {}),
  });
  const headers = (accountId?: string) => ({ authorization: `Bearer ${apiKey}`, ...(accountId ? { 'x-account-id': accountId } : {}) });
  if (options.configure !== false) {
    const updated = await postGraphql(
      gateway.url,
      {
        query: 'mutation($input: ConnectorSettingsInput!) { updateConnectorSettings(input: $input) { clientId clientSecretSet } }',
        variables: { input: { clientId, clientSecret } },
      },
      headers(),
    );
    if (!updated.body.data) throw new Error(`updateConnectorSettings failed: ${updated.text}`);
  }
  return { partnerId: partner.id, apiKey, clientId, clientSecret, headers };
}

/**
 * Installs the connector for one account through the real flow: installConnector, the sandbox's consent
 * form submitted like a browser, then Jobber's redirect followed to the gateway's callback.
 */
export async function installAccount(
  gateway: TestGateway,
  partner: TestPartner,
  accountId: string,
  options: { accountName?: string; credentials?: { clientId: string; clientSecret: string } } = {},
): Promise<{ callbackStatus: number; callbackBody: string }> {
  const installed = await postGraphql(
    gateway.url,
    {
      query: 'mutation($input: InstallConnectorInput!) { installConnector(input: $input) { consentUrl state expiresAt } }',
      variables: { input: { accountId, ...options.credentials } },
    },
    partner.headers(),
  );
  if (!installed.body.data) throw new Error(`installConnector failed: ${installed.text}`);
  const { consentUrl } = installed.body.data.installConnector as { consentUrl: string };
  const { location } = await approveConsent(consentUrl, { accountName: options.accountName ?? `Jobber ${accountId}` });
  const response = await fetch(location, { redirect: 'manual' });
  return { callbackStatus: response.status, callbackBody: await response.text() };
}

/** An account to install: its id, or its id and the name typed on the consent page (default `Jobber <id>`). */
export type TestAccount = string | { accountId: string; accountName: string };

/**
 * The setup most integration suites share: a test gateway, a partner with its connector configured, and
 * these accounts installed through the real consent flow (each callback must answer 200).
 */
export async function startInstalledGateway(accounts: readonly TestAccount[], options: TestGatewayOptions = {}): Promise<{ gateway: TestGateway; partner: TestPartner }> {
  const gateway = await startTestGateway(options);
  try {
    const partner = await createTestPartner(gateway);
    for (const account of accounts) {
      const { accountId, accountName } = typeof account === 'string' ? { accountId: account, accountName: undefined } : account;
      const installed = await installAccount(gateway, partner, accountId, accountName === undefined ? {} : { accountName });
      if (installed.callbackStatus !== 200) throw new Error(`installing ${accountId} answered ${installed.callbackStatus}: ${installed.callbackBody}`);
    }
    return { gateway, partner };
  } catch (error) {
    await gateway.close();
    throw error;
  }
}
