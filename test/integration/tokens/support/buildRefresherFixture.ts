import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { systemClock, type Deps } from '../../../../src/core/deps';
import type { InstallationRef } from '../../../../src/core/installationRef';
import { createSecretBox } from '../../../../src/crypto/secretBox';
import type { Store } from '../../../../src/store/store';
import { createJobberTokenClient } from '../../../../src/tokens/jobberTokenClient';
import { createTokenRefresher, type TokenRefresher, type TokenRefresherOptions } from '../../../../src/tokens/tokenRefresher';
import { createTokenStore, type TokenStore } from '../../../../src/tokens/tokenStore';

export interface RefresherFixture {
  deps: Deps;
  tokenStore: TokenStore;
  refresher: TokenRefresher;
  reauthorizations: { ref: InstallationRef; reason: string }[];
}

/** One "gateway process" worth of token machinery on a given store, against a token endpoint. */
export function buildRefresherFixture(
  store: Store,
  baseUrl: string,
  overrides: Partial<TokenRefresherOptions> & { encryptionKeys?: Buffer[]; tokenTimeoutMs?: number } = {},
): RefresherFixture {
  const deps: Deps = { store, fetch, clock: systemClock, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) };
  const tokenStore = createTokenStore({ store, secretBox: createSecretBox({ keys: overrides.encryptionKeys ?? [FIXTURE_KEY] }), clock: deps.clock });
  const tokenTimeoutMs = overrides.tokenTimeoutMs ?? 5000;
  const tokenClient = createJobberTokenClient({ fetch, baseUrl, timeoutMs: tokenTimeoutMs, clock: deps.clock });
  const reauthorizations: { ref: InstallationRef; reason: string }[] = [];
  const refresher = createTokenRefresher({
    deps,
    tokenStore,
    tokenClient,
    marginMs: 300_000,
    tokenTimeoutMs,
    getCredentials: async () => ({ clientId: 'cid', clientSecret: 'csecret' }),
    onReauthorizationRequired: async (ref, reason) => {
      reauthorizations.push({ ref, reason });
    },
    ...overrides,
  });
  return { deps, tokenStore, refresher, reauthorizations };
}

export const FIXTURE_KEY = randomBytes(32);
