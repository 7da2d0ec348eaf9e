import { deliverJobberWebhook, type JobberWebhookInput } from './deliverJobberWebhook';
import type { BucketSettings } from './leakyBucket';
import {
  addAccount,
  addApp,
  connectGrant,
  disconnectGrant,
  emptyCounters,
  issueAccessToken,
  liveGrantOf,
  rotateRefreshToken,
  type Grant,
  type SandboxCounters,
  type SandboxState,
  type TokenFailure,
} from './sandboxState';

export interface SandboxAppInput {
  clientId: string;
  clientSecret: string;
  /** The app's Callback URL; `redirect_uri` must equal it exactly. */
  redirectUri: string;
  name?: string;
  /** Where the app's webhooks go (APP_DISCONNECT included). */
  webhookUrl?: string;
}

export interface AppAccount {
  clientId: string;
  accountId: string;
}

/** The test and demo handle on the sandbox (also served as JSON under `/__sandbox/<method>`). */
export interface SandboxControl {
  registerApp(app: SandboxAppInput): void;
  createAccount(input: { name: string; id?: string }): { id: string; name: string };
  setTokenLifetime(seconds: number): void;
  setRotation(on: boolean): void;
  setBucket(bucket: Partial<BucketSettings>): void;
  setRequestLimit(limit: { max: number; windowMs: number }): void;
  setTokenEndpointFailure(failure: TokenFailure): void;
  /** Every token call waits `ms` before it is answered; with `accountId`, only that account's calls. */
  setTokenEndpointLatency(ms: number, options?: { accountId?: string }): void;
  setGraphqlFailure(failure: { status: 500 | 502 | 503; count: number }): void;
  setGraphqlLatency(ms: number): void;
  counters(): SandboxCounters;
  resetCounters(): void;
  lastGraphqlHeaders(): Record<string, string>[];
  disconnect(target: AppAccount): Promise<void>;
  sendWebhook(input: AppAccount & JobberWebhookInput): Promise<{ status: number }>;
  issueTokensDirect(target: AppAccount): { access_token: string; refresh_token: string };
  liveRefreshToken(target: AppAccount): string | undefined;
}

export interface SandboxControlDeps {
  state: SandboxState;
  fetch: typeof fetch;
  /** Keeps background work (webhooks) known so `close()` can wait for it. */
  track<T>(work: Promise<T>): Promise<T>;
}

/** Kills a grant's tokens and, when the app has a webhook URL, tells it with APP_DISCONNECT. */
export function disconnectAndNotify(deps: SandboxControlDeps, grant: Grant): Promise<void> {
  const { state } = deps;
  if (!grant.connected) return Promise.resolve();
  disconnectGrant(state, grant);
  const app = state.apps.get(grant.clientId);
  if (!app?.webhookUrl) return Promise.resolve();
  const delivery = deliverJobberWebhook(app, { accountId: grant.accountId, topic: 'APP_DISCONNECT' }, state.clock.now(), deps.fetch);
  return deps.track(delivery).then(() => undefined);
}

export function createSandboxControl(deps: SandboxControlDeps): SandboxControl {
  const { state } = deps;
  const appOf = (clientId: string) => {
    const app = state.apps.get(clientId);
    if (!app) throw new Error(`Unknown clientId ${clientId}`);
    return app;
  };
  const accountOf = (accountId: string) => {
    if (!state.accounts.has(accountId)) throw new Error(`Unknown accountId ${accountId}`);
    return accountId;
  };
  const nonNegative = (value: number, what: string) => {
    if (!Number.isFinite(value) || value < 0) throw new Error(`${what} must be a number >= 0`);
    return value;
  };

  return {
    registerApp: (app) => {
      for (const key of ['clientId', 'clientSecret', 'redirectUri'] as const) {
        if (typeof app?.[key] !== 'string' || !app[key]) throw new Error(`${key} is required`);
      }
      if (!URL.canParse(app.redirectUri)) throw new Error('redirectUri must be an absolute URL');
      if (app.webhookUrl !== undefined && !URL.canParse(app.webhookUrl)) throw new Error('webhookUrl must be an absolute URL');
      addApp(state, app);
    },
    createAccount: (input) => {
      if (typeof input?.name !== 'string' || !input.name) throw new Error('name is required');
      return addAccount(state, input);
    },
    setTokenLifetime: (seconds) => {
      state.settings.tokenLifetimeSeconds = nonNegative(seconds, 'seconds');
    },
    setRotation: (on) => {
      state.settings.rotation = Boolean(on);
    },
    setBucket: (bucket) => {
      state.settings.bucket = { ...state.settings.bucket, ...bucket };
      // New settings start from a full bucket, so tests can drain a small one predictably.
      state.buckets.clear();
    },
    setRequestLimit: (limit) => {
      state.settings.requestLimit = { max: nonNegative(limit.max, 'max'), windowMs: nonNegative(limit.windowMs, 'windowMs') };
      state.requestWindows.clear();
    },
    setTokenEndpointFailure: (failure) => {
      if (!['status500', 'timeout', 'none'].includes(failure?.mode)) throw new Error('mode must be status500, timeout or none');
      state.settings.tokenFailure = { ...failure };
    },
    setTokenEndpointLatency: (ms, options) => {
      state.settings.tokenLatencyMs = nonNegative(ms, 'ms');
      state.settings.tokenLatencyAccountId = options?.accountId === undefined ? undefined : accountOf(options.accountId);
    },
    setGraphqlFailure: (failure) => {
      if (![500, 502, 503].includes(failure?.status)) throw new Error('status must be 500, 502 or 503');
      state.settings.graphqlFailure = { status: failure.status, count: nonNegative(failure.count, 'count') };
    },
    setGraphqlLatency: (ms) => {
      state.settings.graphqlLatencyMs = nonNegative(ms, 'ms');
    },
    counters: () => ({ ...state.counters, graphqlCallsByAccount: { ...state.counters.graphqlCallsByAccount } }),
    resetCounters: () => {
      state.counters = emptyCounters();
    },
    lastGraphqlHeaders: () => state.recentHeaders.map((headers) => ({ ...headers })),
    disconnect: async ({ clientId, accountId }) => {
      const grant = liveGrantOf(state, clientId, accountId);
      if (grant) await disconnectAndNotify(deps, grant);
    },
    sendWebhook: (input) => {
      const app = appOf(input.clientId);
      return deps.track(deliverJobberWebhook(app, input, state.clock.now(), deps.fetch));
    },
    issueTokensDirect: ({ clientId, accountId }) => {
      appOf(clientId);
      const grant = connectGrant(state, clientId, accountOf(accountId));
      return { access_token: issueAccessToken(state, grant), refresh_token: rotateRefreshToken(state, grant) };
    },
    liveRefreshToken: ({ clientId, accountId }) => liveGrantOf(state, clientId, accountId)?.liveRefreshToken,
  };
}
