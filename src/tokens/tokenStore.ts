import type { Clock } from '../core/deps';
import { buildInstallationKey, encodeInstallationRef, type InstallationRef } from '../core/installationRef';
import type { SecretBox } from '../crypto/secretBox';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Store } from '../store/store';

/** The pair to store. The refresher fills `refreshToken` with the old one when Jobber sent none. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** ms since the epoch. */
  accessTokenExpiresAt: number;
}

/** One installation's tokens as read from the store (decrypted). */
export interface TokenRecord extends TokenPair {
  /** Increases by one on every write; for logs and humans (the CAS compares `raw`). */
  version: number;
  /** When the current access token was stored (ms); with `accessTokenExpiresAt` it gives the lifetime. */
  issuedAt: number;
  /** When the pair was last refreshed (ms); null until the first refresh after install. */
  lastRefreshedAt: number | null;
  /** The stored string exactly as read: the compare-and-set witness (it contains a random IV, so it is unique). */
  raw: string;
}

export interface TokenStore {
  read(ref: InstallationRef): Promise<TokenRecord | null>;
  /** Writes a refreshed pair only if the stored string is still `expected.raw` (null = absent). False = lost the race. */
  save(ref: InstallationRef, tokens: TokenPair, options: { expected: TokenRecord | null }): Promise<boolean>;
  /** Unconditional write of a brand-new pair (install callback, reinstall). */
  replace(ref: InstallationRef, tokens: TokenPair): Promise<TokenRecord>;
  delete(ref: InstallationRef): Promise<void>;
  /** Deletes the record only if it is still `expected` (dead tokens after invalid_grant). True = deleted. */
  discard(ref: InstallationRef, expected: TokenRecord): Promise<boolean>;
}

export interface TokenStoreOptions {
  store: Store;
  secretBox: SecretBox;
  clock: Clock;
}

/** Sorted set of every installation with tokens: score = last refresh (or issue) time in ms; member = encoded ref. */
export const KEEPER_INDEX_KEY = 'jg:keeper:installations';

/** The store key of one installation's tokens; also the AAD their ciphertext is bound to. */
export function buildTokensKey(ref: InstallationRef): string {
  return buildInstallationKey(ref, 'tokens');
}

interface StoredShape {
  /** Record format. */
  f: 1;
  version: number;
  expiresAt: number;
  issuedAt: number;
  lastRefreshedAt: number | null;
  /** secretBox.seal(JSON {a: access, r: refresh}, tokensKey). */
  sealed: string;
}

/**
 * Versioned, encrypted token records (DESIGN.md "Tokens"). Both tokens are sealed together with the
 * record's key as associated data; the timestamps stay in clear so the keeper and status queries need
 * no key. Keeps the keeper index in step with the records.
 */
export function createTokenStore(options: TokenStoreOptions): TokenStore {
  const { store, secretBox, clock } = options;

  function encode(key: string, tokens: TokenPair, version: number, issuedAt: number, lastRefreshedAt: number | null): string {
    const shape: StoredShape = {
      f: 1,
      version,
      expiresAt: tokens.accessTokenExpiresAt,
      issuedAt,
      lastRefreshedAt,
      sealed: secretBox.seal(JSON.stringify({ a: tokens.accessToken, r: tokens.refreshToken }), key),
    };
    return JSON.stringify(shape);
  }

  function decode(key: string, raw: string): TokenRecord {
    let shape: StoredShape;
    try {
      shape = JSON.parse(raw) as StoredShape;
    } catch (cause) {
      throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'stored token record is not valid JSON', { cause });
    }
    if (shape?.f !== 1 || typeof shape.sealed !== 'string') {
      throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'stored token record has an unknown format');
    }
    const secrets = JSON.parse(secretBox.open(shape.sealed, key)) as { a: string; r: string };
    return {
      version: shape.version,
      accessToken: secrets.a,
      refreshToken: secrets.r,
      accessTokenExpiresAt: shape.expiresAt,
      issuedAt: shape.issuedAt,
      lastRefreshedAt: shape.lastRefreshedAt,
      raw,
    };
  }

  async function touchIndex(ref: InstallationRef, score: number): Promise<void> {
    await store.zAdd(KEEPER_INDEX_KEY, score, encodeInstallationRef(ref));
  }

  return {
    async read(ref) {
      const key = buildTokensKey(ref);
      const raw = await store.get(key);
      return raw === null ? null : decode(key, raw);
    },

    async save(ref, tokens, { expected }) {
      const key = buildTokensKey(ref);
      const now = clock.now();
      const value = encode(key, tokens, (expected?.version ?? 0) + 1, now, now);
      const written = await store.compareAndSet(key, expected?.raw ?? null, value);
      if (written) await touchIndex(ref, now);
      return written;
    },

    async replace(ref, tokens) {
      const key = buildTokensKey(ref);
      const now = clock.now();
      const previous = await store.get(key);
      const version = previous === null ? 1 : readVersion(previous) + 1;
      const value = encode(key, tokens, version, now, null);
      await store.set(key, value);
      await touchIndex(ref, now);
      return decode(key, value);
    },

    async delete(ref) {
      await store.del(buildTokensKey(ref));
      await store.zRem(KEEPER_INDEX_KEY, encodeInstallationRef(ref));
    },

    async discard(ref, expected) {
      const deleted = await store.compareAndDelete(buildTokensKey(ref), expected.raw);
      if (deleted) await store.zRem(KEEPER_INDEX_KEY, encodeInstallationRef(ref));
      return deleted;
    },
  };
}

function readVersion(raw: string): number {
  try {
    const version = (JSON.parse(raw) as Partial<StoredShape>).version;
    return typeof version === 'number' ? version : 0;
  } catch {
    return 0;
  }
}
