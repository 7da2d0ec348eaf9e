import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/deps';
import type { SecretBox } from '../crypto/secretBox';
import type { Store } from '../store/store';

/** What an install's `state` is bound to (DESIGN.md "Install" step 2). */
export interface OAuthStateBinding {
  partnerId: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  /** Where the credentials came from: the installation keeps them only when given at install. */
  credentialSource: 'settings' | 'install';
  returnUrl: string | null;
  /** The installation's generation when the state was issued (see InstallationRecord.generation). */
  generation: number;
}

interface StoredState {
  f: 1;
  partnerId: string;
  accountId: string;
  clientId: string;
  /** secretBox.seal(clientSecret, state key). */
  sealedSecret: string;
  credentialSource: 'settings' | 'install';
  returnUrl: string | null;
  generation: number;
  createdAt: number;
  expiresAt: number;
}

export interface OAuthStateStore {
  issue(binding: OAuthStateBinding): Promise<{ state: string; expiresAt: number }>;
  /** Single use across processes (getDel): the first caller gets the binding, every later one null. Null too when expired or unreadable. */
  consume(state: string): Promise<OAuthStateBinding | null>;
}

/** 32 random bytes (256 bits; DESIGN.md asks for at least 128), base64url: 43 characters. */
const STATE_BYTES = 32;

export function buildOAuthStateKey(state: string): string {
  return `jg:oauth-state:${state}`;
}

export function createOAuthStateStore(options: { store: Store; secretBox: SecretBox; clock: Clock; ttlMs: number }): OAuthStateStore {
  const { store, secretBox, clock, ttlMs } = options;

  return {
    async issue(binding) {
      const state = randomBytes(STATE_BYTES).toString('base64url');
      const key = buildOAuthStateKey(state);
      const now = clock.now();
      const record: StoredState = {
        f: 1,
        partnerId: binding.partnerId,
        accountId: binding.accountId,
        clientId: binding.clientId,
        sealedSecret: secretBox.seal(binding.clientSecret, key),
        credentialSource: binding.credentialSource,
        returnUrl: binding.returnUrl,
        generation: binding.generation,
        createdAt: now,
        expiresAt: now + ttlMs,
      };
      await store.set(key, JSON.stringify(record), { ttlMs });
      return { state, expiresAt: record.expiresAt };
    },

    async consume(state) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(state)) return null;
      const key = buildOAuthStateKey(state);
      const raw = await store.getDel(key);
      if (raw === null) return null;
      let record: StoredState;
      try {
        record = JSON.parse(raw) as StoredState;
      } catch {
        return null;
      }
      // The store's TTL normally removes it; the clock check also covers a store that expires lazily.
      if (record.f !== 1 || clock.now() > record.expiresAt) return null;
      return {
        partnerId: record.partnerId,
        accountId: record.accountId,
        clientId: record.clientId,
        clientSecret: secretBox.open(record.sealedSecret, key),
        credentialSource: record.credentialSource,
        returnUrl: record.returnUrl,
        generation: record.generation,
      };
    },
  };
}
