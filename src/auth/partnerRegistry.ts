import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/deps';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { InvalidationChannel } from '../store/invalidationChannel';
import type { Store } from '../store/store';
import { createPartnerKeyCache, type VerifiedKey } from './partnerKeyCache';
import { findLiveKey, isGraceSeconds, isKeyLive, MAX_KEY_GRACE_SECONDS, planKeyRevocation, planKeyRotation, type KeyListChange, type StoredPartnerKey } from './partnerKeys';
import {
  buildPartnerKeyIndexKey,
  buildPartnerRecordKey,
  createPartnerRecords,
  PARTNER_INDEX_KEY,
  toPartner,
  type Partner,
  type PartnerRecord,
} from './partnerRecords';
import { listPartners, type PartnersPage } from './listPartners';
import { createSecretToken, hashSecretToken } from './secretTokens';

export type { Partner } from './partnerRecords';
export type { VerifiedKey } from './partnerKeyCache';

export interface PartnerRegistryOptions {
  store: Store;
  clock: Clock;
  /** Tells every process to drop cached keys of a partner whose keys or state changed; absent = this process only. */
  invalidation?: Pick<InvalidationChannel, 'publish' | 'listen'>;
  /** How long a verified key is served from memory before the store is read again (ms); default 2000 (CACHE_RECHECK_MS). */
  recheckMs?: number;
  /** How long a verified API key keeps serving from memory while the store is unreachable (ms); default 60000. */
  keyCacheMs?: number;
  /** Key and state changes are logged at info (ids only, never key material); default silent. */
  logger?: Pick<Logger, 'info'>;
}

/** One API key as the partner and the admin see it (never the key, never its hash). */
export interface PartnerApiKeyView {
  id: string;
  createdAt: Date;
  /** null: the current key; else the end of the previous key's grace period. */
  expiresAt: Date | null;
  current: boolean;
}

/** Who asks for a key change: the admin, or the partner through one of its keys (only the current key may). */
export type KeyActor = { kind: 'admin' } | { kind: 'partner'; keyId: string };

export interface PartnerRegistry {
  createPartner(name: string): Promise<{ partner: Partner; apiKey: string }>;
  /**
   * The partner owning this API key (disabled ones too: the caller refuses them), or null. Store failures
   * propagate (STORE_UNAVAILABLE) unless the key is cached. `beforeStoreRead` runs (and may throw) only when
   * the answer needs a store read (callerGate charges unknown credentials there).
   */
  authenticate(apiKey: string, beforeStoreRead?: () => void): Promise<VerifiedKey | null>;
  get(partnerId: string): Promise<Partner | null>;
  listKeys(partnerId: string): Promise<PartnerApiKeyView[]>;
  /** A new current key, shown once; the old one works `graceSeconds` more (0 to 7 days), any older one stops now. */
  rotateKey(partnerId: string, graceSeconds: number, actor: KeyActor): Promise<{ apiKey: string; key: PartnerApiKeyView; previousKey: PartnerApiKeyView | null }>;
  /** Ends a previous key's grace now; returns the keys left. */
  revokeKey(partnerId: string, keyId: string, actor: KeyActor): Promise<PartnerApiKeyView[]>;
  setDisabled(partnerId: string, disabled: boolean): Promise<Partner>;
  list(page: { first: number; after?: string | null }): Promise<PartnersPage>;
}

const newKeyId = (): string => randomBytes(8).toString('hex');

function toKeyView(key: StoredPartnerKey): PartnerApiKeyView {
  return { id: key.id, createdAt: new Date(key.createdAt), expiresAt: key.expiresAt === null ? null : new Date(key.expiresAt), current: key.expiresAt === null };
}

/** Partner ids are UUIDs; anything else cannot name a partner (and never reaches a store key). */
export function assertPartnerId(partnerId: string): void {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(partnerId)) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'partnerId is not a partner id.');
}

/**
 * Partners and their API keys. A key is shown once and stored only as a SHA-256 hash; the partner record
 * lists the keys that work (current, and previous during its grace); the key index only finds the partner.
 */
export function createPartnerRegistry(options: PartnerRegistryOptions): PartnerRegistry {
  const { store, clock } = options;
  const records = createPartnerRecords({ store, clock });

  /** A key whose partner record predates key lists is that partner's one key: adopt it into the list. */
  async function adoptLegacyKey(record: PartnerRecord, hash: string): Promise<PartnerRecord> {
    const adopted: StoredPartnerKey = { id: newKeyId(), hash, createdAt: Date.parse(record.createdAt) || clock.now(), expiresAt: null };
    const { after } = await records.update(record.id, (current) => (current.keys ? null : { ...current, keys: [adopted] }));
    await store.zAdd(PARTNER_INDEX_KEY, Date.parse(record.createdAt) || 0, record.id);
    return after;
  }

  async function lookup(hash: string): Promise<VerifiedKey | null> {
    const partnerId = await store.get(buildPartnerKeyIndexKey(hash));
    if (!partnerId) return null;
    let record = await records.get(partnerId);
    if (!record) return null;
    if (!record.keys) record = await adoptLegacyKey(record, hash);
    const key = findLiveKey(record.keys ?? [], hash, clock.now());
    return key ? { partner: toPartner(record), keyId: key.id, expiresAt: key.expiresAt } : null;
  }

  const cache = createPartnerKeyCache({ clock, lookup, recheckMs: options.recheckMs ?? 2_000, outageGraceMs: options.keyCacheMs ?? 60_000 });
  options.invalidation?.listen((invalidation) => {
    if (invalidation.kind === 'partner') cache.forgetPartner(invalidation.partnerId);
  });
  const announce = (partnerId: string): Promise<void> =>
    options.invalidation ? options.invalidation.publish({ kind: 'partner', partnerId }) : Promise.resolve(cache.forgetPartner(partnerId));

  /** The index follows the record: dropped keys' entries go, the expiring key's entry gets its grace as TTL. */
  async function applyToIndex(partnerId: string, change: KeyListChange): Promise<void> {
    if (change.dropped.length > 0) await store.del(...change.dropped.map((key) => buildPartnerKeyIndexKey(key.hash)));
    const expiring = change.expiring;
    if (expiring?.expiresAt) await store.set(buildPartnerKeyIndexKey(expiring.hash), partnerId, { ttlMs: Math.max(1, expiring.expiresAt - clock.now()) });
  }

  function assertMayChangeKeys(record: PartnerRecord, actor: KeyActor, now: number): void {
    if (actor.kind === 'admin') return;
    const current = (record.keys ?? []).find((key) => key.expiresAt === null && isKeyLive(key, now));
    if (current?.id !== actor.keyId) {
      throw new GatewayError(ErrorCode.FORBIDDEN, "Only the partner's current API key may rotate or revoke keys.");
    }
  }

  return {
    async createPartner(name) {
      const trimmed = name.trim();
      if (trimmed.length < 1 || trimmed.length > 200) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'name must be 1-200 characters');
      }
      const now = clock.now();
      const apiKey = createSecretToken('jgp');
      const hash = hashSecretToken(apiKey);
      const record: PartnerRecord = { id: randomUUID(), name: trimmed, createdAt: new Date(now).toISOString(), disabled: false, keys: [{ id: newKeyId(), hash, createdAt: now, expiresAt: null }] };
      // Index entries first: one without its record is skipped (listing) or finds nobody (keys).
      await store.zAdd(PARTNER_INDEX_KEY, now, record.id);
      await store.set(buildPartnerKeyIndexKey(hash), record.id);
      await store.set(buildPartnerRecordKey(record.id), JSON.stringify(record));
      return { partner: toPartner(record), apiKey };
    },

    authenticate: (apiKey, beforeStoreRead) => cache.verify(hashSecretToken(apiKey), beforeStoreRead),

    async get(partnerId) {
      assertPartnerId(partnerId);
      const record = await records.get(partnerId);
      return record ? toPartner(record) : null;
    },

    async listKeys(partnerId) {
      assertPartnerId(partnerId);
      const record = await records.get(partnerId);
      const now = clock.now();
      return (record?.keys ?? []).filter((key) => isKeyLive(key, now)).map(toKeyView);
    },

    async rotateKey(partnerId, graceSeconds, actor) {
      assertPartnerId(partnerId);
      if (!isGraceSeconds(graceSeconds)) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, `graceSeconds must be an integer from 0 to ${MAX_KEY_GRACE_SECONDS} (7 days).`);
      }
      const apiKey = createSecretToken('jgp');
      const fresh: StoredPartnerKey = { id: newKeyId(), hash: hashSecretToken(apiKey), createdAt: clock.now(), expiresAt: null };
      // The new key's index entry first: until the record lists it, it finds a partner that refuses it.
      await store.set(buildPartnerKeyIndexKey(fresh.hash), partnerId);
      let change: KeyListChange | undefined;
      await records.update(partnerId, (record, now) => {
        assertMayChangeKeys(record, actor, now);
        change = planKeyRotation((record.keys ?? []).filter((key) => isKeyLive(key, now)), { ...fresh, createdAt: now }, now, graceSeconds * 1000);
        return { ...record, keys: change.keys };
      });
      if (!change) throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'the key rotation did not run');
      await applyToIndex(partnerId, change);
      await announce(partnerId);
      const [key, previous] = change.keys;
      options.logger?.info({ partnerId, keyId: key?.id, previousKeyId: previous?.id, graceSeconds, by: actor.kind }, 'partner API key rotated');
      if (!key) throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'the key rotation lost the new key');
      return { apiKey, key: toKeyView(key), previousKey: previous ? toKeyView(previous) : null };
    },

    async revokeKey(partnerId, keyId, actor) {
      assertPartnerId(partnerId);
      let change: KeyListChange | undefined;
      await records.update(partnerId, (record, now) => {
        assertMayChangeKeys(record, actor, now);
        const revoked = planKeyRevocation(record.keys ?? [], keyId, now);
        if (!revoked.ok) {
          throw new GatewayError(
            ErrorCode.BAD_USER_INPUT,
            revoked.reason === 'current'
              ? 'The current key cannot be revoked: rotate it (graceSeconds: 0 ends the old key at once).'
              : `No live key with id "${keyId}".`,
          );
        }
        change = revoked.change;
        return { ...record, keys: change.keys };
      });
      if (!change) throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'the key revocation did not run');
      await applyToIndex(partnerId, change);
      await announce(partnerId);
      options.logger?.info({ partnerId, keyId, by: actor.kind }, 'partner API key revoked');
      return change.keys.map(toKeyView);
    },

    async setDisabled(partnerId, disabled) {
      assertPartnerId(partnerId);
      const { after } = await records.update(partnerId, (record) => (record.disabled === disabled ? null : { ...record, disabled }));
      await announce(partnerId);
      options.logger?.info({ partnerId, disabled }, disabled ? 'partner disabled' : 'partner enabled');
      return toPartner(after);
    },

    list: (page) => listPartners({ store, records }, page),
  };
}
