import { randomBytes } from 'node:crypto';
import type { Clock } from '../../../src/core/deps';
import { encodeInstallationRef, type InstallationRef } from '../../../src/core/installationRef';
import { createSecretBox } from '../../../src/crypto/secretBox';
import { GatewayError } from '../../../src/errors/gatewayError';
import { createEmbeddedStore } from '../../../src/store/embeddedStore';
import type { Store } from '../../../src/store/store';
import { buildTokensKey, createTokenStore, KEEPER_INDEX_KEY } from '../../../src/tokens/tokenStore';

const ref: InstallationRef = { partnerId: 'p1', accountId: 'acct-1' };
const other: InstallationRef = { partnerId: 'p1', accountId: 'acct-2' };
const pair = { accessToken: 'at-SECRET-1', refreshToken: 'rt-SECRET-1', accessTokenExpiresAt: 1_700_003_600_000 };

describe('createTokenStore', () => {
  let store: Store;
  let now: number;
  const clock: Clock = { now: () => now };
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);

  beforeEach(async () => {
    now = 1_700_000_000_000;
    store = await createEmbeddedStore({ dataDir: null, clock });
  });
  afterEach(() => store.close());

  test('when a pair is replaced then read, then it comes back with version 1, times set and no secret in the stored string', async () => {
    const tokens = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock });
    await tokens.replace(ref, pair);
    const record = await tokens.read(ref);
    expect(record).toMatchObject({ ...pair, version: 1, issuedAt: now, lastRefreshedAt: null });
    const raw = await store.get(buildTokensKey(ref));
    expect(raw).toBe(record?.raw);
    expect(raw).not.toContain('SECRET');
    expect(await store.zScore(KEEPER_INDEX_KEY, encodeInstallationRef(ref))).toBe(now);
  });

  test('when nothing is stored, then read answers null', async () => {
    const tokens = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock });
    expect(await tokens.read(ref)).toBeNull();
  });

  test('when save is given the record just read, then it writes; when given a stale one, then it refuses', async () => {
    const tokens = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock });
    const first = await tokens.replace(ref, pair);
    now += 1000;
    const next = { accessToken: 'at-2', refreshToken: 'rt-2', accessTokenExpiresAt: now + 3_600_000 };
    expect(await tokens.save(ref, next, { expected: first })).toBe(true);
    expect(await tokens.read(ref)).toMatchObject({ ...next, version: 2, issuedAt: now, lastRefreshedAt: now });
    expect(await store.zScore(KEEPER_INDEX_KEY, encodeInstallationRef(ref))).toBe(now);
    // `first` is stale now: a second writer holding it loses.
    expect(await tokens.save(ref, { ...next, refreshToken: 'rt-loser' }, { expected: first })).toBe(false);
    expect((await tokens.read(ref))?.refreshToken).toBe('rt-2');
  });

  test('when save expects null and a record exists, then it refuses; when none exists, then it writes', async () => {
    const tokens = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock });
    expect(await tokens.save(ref, pair, { expected: null })).toBe(true);
    expect(await tokens.save(ref, pair, { expected: null })).toBe(false);
  });

  test('when replace runs over an existing record, then the version increases', async () => {
    const tokens = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock });
    await tokens.replace(ref, pair);
    expect((await tokens.replace(ref, pair)).version).toBe(2);
  });

  test('when a record is copied to another installation\'s key, then reading it fails (AAD binds it to its key)', async () => {
    const tokens = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock });
    const record = await tokens.replace(ref, pair);
    await store.set(buildTokensKey(other), record.raw);
    await expect(tokens.read(other)).rejects.toThrow(GatewayError);
    await expect(tokens.read(other)).rejects.not.toThrow(/SECRET/);
  });

  test('when the primary key is rotated with the old key kept, then old records read and new writes use the new key', async () => {
    await createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock }).replace(ref, pair);
    const rotated = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyB, keyA] }), clock });
    const old = await rotated.read(ref);
    expect(old).toMatchObject(pair);
    expect(await rotated.save(ref, { ...pair, refreshToken: 'rt-new' }, { expected: old })).toBe(true);
    // The rewritten record no longer needs the old key.
    const newOnly = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyB] }), clock });
    expect((await newOnly.read(ref))?.refreshToken).toBe('rt-new');
  });

  test('when the old key is dropped too early, then reading fails loudly instead of losing data silently', async () => {
    await createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock }).replace(ref, pair);
    const newOnly = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyB] }), clock });
    await expect(newOnly.read(ref)).rejects.toThrow(/unknown key id/);
    expect(await store.get(buildTokensKey(ref))).not.toBeNull();
  });

  test('when deleted, then the record and its keeper entry are gone', async () => {
    const tokens = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock });
    await tokens.replace(ref, pair);
    await tokens.delete(ref);
    expect(await tokens.read(ref)).toBeNull();
    expect(await store.zScore(KEEPER_INDEX_KEY, encodeInstallationRef(ref))).toBeNull();
  });

  test('when discard is given a stale record, then nothing is deleted; given the current one, then it is', async () => {
    const tokens = createTokenStore({ store, secretBox: createSecretBox({ keys: [keyA] }), clock });
    const first = await tokens.replace(ref, pair);
    const second = await tokens.replace(ref, pair);
    expect(await tokens.discard(ref, first)).toBe(false);
    expect(await tokens.read(ref)).not.toBeNull();
    expect(await tokens.discard(ref, second)).toBe(true);
    expect(await tokens.read(ref)).toBeNull();
    expect(await store.zCard(KEEPER_INDEX_KEY)).toBe(0);
  });
});
