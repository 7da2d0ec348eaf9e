import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/deps';
import { buildAccountData, encodeId, type AccountData } from './accountData';
import { signAccessToken } from './accessToken';
import type { BucketSettings, BucketState } from './leakyBucket';

/** A Jobber app registered in the sandbox (Jobber's Developer Center, in miniature). */
export interface SandboxApp {
  /** The app's EncodedId (`appId` in webhooks). */
  id: string;
  clientId: string;
  clientSecret: string;
  /** The Callback URL: `redirect_uri` must equal it exactly. */
  redirectUri: string;
  name: string;
  webhookUrl?: string;
}

/** One connection of an app to an account; a disconnect kills every token of it at once. */
export interface Grant {
  id: string;
  clientId: string;
  accountId: string;
  connected: boolean;
  /** The only refresh token that works now. */
  liveRefreshToken?: string;
}

export interface SandboxCounters {
  exchanges: number;
  refreshes: number;
  refreshReuses: number;
  invalidGrants: number;
  tokenCalls: number;
  graphqlCalls: number;
  graphqlCallsByAccount: Record<string, number>;
  throttled: number;
  rateLimited: number;
}

export interface TokenFailure {
  mode: 'status500' | 'timeout' | 'none';
  /** Fail this many of the next calls. */
  count?: number;
  /** Fail every Nth call (counted by tokenCalls). */
  everyNth?: number;
}

export interface SandboxSettings {
  tokenLifetimeSeconds: number;
  rotation: boolean;
  bucket: BucketSettings;
  requestLimit: { max: number; windowMs: number };
  tokenFailure: TokenFailure;
  tokenLatencyMs: number;
  /** When set, only this account's token calls wait `tokenLatencyMs`. */
  tokenLatencyAccountId?: string | undefined;
  graphqlFailure: { status: 500 | 502 | 503; count: number };
  graphqlLatencyMs: number;
  /** The API version served as current (`buildVersioningExtension`). */
  apiVersion: string;
}

/** Everything the sandbox remembers; in memory, one per sandbox (never a module singleton). */
export interface SandboxState {
  /** HS256 key of access tokens, random per sandbox. */
  key: Buffer;
  clock: Clock;
  settings: SandboxSettings;
  apps: Map<string, SandboxApp>;
  accounts: Map<string, { id: string; name: string }>;
  accountData: Map<string, AccountData>;
  /** Consent pages shown and not yet answered, by their form's request id. */
  pendingConsents: Map<string, { clientId: string; redirectUri: string; state?: string; expiresAtMs: number }>;
  codes: Map<string, { clientId: string; redirectUri: string; grantId: string; expiresAtMs: number }>;
  grants: Map<string, Grant>;
  grantByPair: Map<string, string>;
  refreshTokens: Map<string, string>;
  /** Every refresh token ever rotated away: a second use is a reuse (counted, refused). */
  spentRefreshTokens: Set<string>;
  buckets: Map<string, BucketState>;
  requestWindows: Map<string, number[]>;
  counters: SandboxCounters;
  recentHeaders: Record<string, string>[];
  nextAccountNumber: number;
}

/** Lifetime of authorization codes and consent forms (10 minutes). */
export const CODE_LIFETIME_MS = 600_000;
/** How many recent GraphQL calls' headers are kept. */
export const RECENT_HEADERS_CAP = 50;

export function emptyCounters(): SandboxCounters {
  return {
    exchanges: 0,
    refreshes: 0,
    refreshReuses: 0,
    invalidGrants: 0,
    tokenCalls: 0,
    graphqlCalls: 0,
    graphqlCallsByAccount: {},
    throttled: 0,
    rateLimited: 0,
  };
}

export function createSandboxState(settings: SandboxSettings, clock: Clock): SandboxState {
  return {
    key: randomBytes(32),
    clock,
    settings,
    apps: new Map(),
    accounts: new Map(),
    accountData: new Map(),
    pendingConsents: new Map(),
    codes: new Map(),
    grants: new Map(),
    grantByPair: new Map(),
    refreshTokens: new Map(),
    spentRefreshTokens: new Set(),
    buckets: new Map(),
    requestWindows: new Map(),
    counters: emptyCounters(),
    recentHeaders: [],
    nextAccountNumber: 1,
  };
}

/** Key of per-(app, account) state: buckets, request windows, grants. */
export function pairKey(clientId: string, accountId: string): string {
  return `${clientId}\n${accountId}`;
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function addApp(state: SandboxState, input: Omit<SandboxApp, 'id' | 'name'> & { name?: string }): SandboxApp {
  const existing = state.apps.get(input.clientId);
  const app: SandboxApp = {
    id: existing?.id ?? encodeId('Application', state.apps.size + 1),
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    redirectUri: input.redirectUri,
    name: input.name ?? `Sandbox app ${input.clientId}`,
    ...(input.webhookUrl ? { webhookUrl: input.webhookUrl } : {}),
  };
  state.apps.set(app.clientId, app);
  return app;
}

export function addAccount(state: SandboxState, input: { name: string; id?: string }): { id: string; name: string } {
  const id = input.id ?? encodeId('Account', state.nextAccountNumber++);
  const account = { id, name: input.name };
  state.accounts.set(id, account);
  // Re-creating a known account renames it and keeps its data (and what mutations did to it).
  const data = state.accountData.get(id);
  if (data) data.account.name = input.name;
  return account;
}

/** The account's business data, built on first use (deterministic from its id). */
export function accountDataOf(state: SandboxState, accountId: string): AccountData {
  let data = state.accountData.get(accountId);
  if (!data) {
    const name = state.accounts.get(accountId)?.name ?? 'Sandbox account';
    data = buildAccountData(accountId, name);
    state.accountData.set(accountId, data);
  }
  return data;
}

/** Connects an app to an account (or keeps the live connection): consent or the test shortcut. */
export function connectGrant(state: SandboxState, clientId: string, accountId: string): Grant {
  const key = pairKey(clientId, accountId);
  const current = state.grants.get(state.grantByPair.get(key) ?? '');
  if (current?.connected) return current;
  const grant: Grant = { id: randomToken(12), clientId, accountId, connected: true };
  state.grants.set(grant.id, grant);
  state.grantByPair.set(key, grant.id);
  return grant;
}

export function liveGrantOf(state: SandboxState, clientId: string, accountId: string): Grant | undefined {
  const grant = state.grants.get(state.grantByPair.get(pairKey(clientId, accountId)) ?? '');
  return grant?.connected ? grant : undefined;
}

/** Both tokens die at once; the grant stays known so its tokens answer the disconnect message. */
export function disconnectGrant(state: SandboxState, grant: Grant): void {
  grant.connected = false;
  if (grant.liveRefreshToken) state.refreshTokens.delete(grant.liveRefreshToken);
  delete grant.liveRefreshToken;
}

export function issueAccessToken(state: SandboxState, grant: Grant): string {
  const iat = Math.floor(state.clock.now() / 1000);
  return signAccessToken(
    { sub: grant.accountId, app_id: grant.clientId, iat, exp: iat + state.settings.tokenLifetimeSeconds, grant: grant.id, jti: randomToken(6) },
    state.key,
  );
}

/** A new refresh token for the grant; the previous live one (if any) is spent. */
export function rotateRefreshToken(state: SandboxState, grant: Grant): string {
  if (grant.liveRefreshToken) {
    state.refreshTokens.delete(grant.liveRefreshToken);
    state.spentRefreshTokens.add(grant.liveRefreshToken);
  }
  const token = randomToken(32);
  grant.liveRefreshToken = token;
  state.refreshTokens.set(token, grant.id);
  return token;
}
