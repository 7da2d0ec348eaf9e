import type { Clock } from '../core/deps';
import { buildPartnerKey } from '../core/installationRef';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Store } from '../store/store';
import type { StoredPartnerKey } from './partnerKeys';

/** What the gateway shows of a partner (never its keys' hashes). */
export interface Partner {
  id: string;
  name: string;
  /** ISO-8601. */
  createdAt: string;
  /** A disabled partner's keys and sessions are refused (FORBIDDEN) until the admin enables it again. */
  disabled: boolean;
}

/** The stored record (`jg:{p:<id>}:partner`). */
export interface PartnerRecord {
  id: string;
  name: string;
  createdAt: string;
  /** Absent in records written before partners could be disabled. */
  disabled?: boolean;
  /**
   * The authority on which keys work (the key index only finds the partner). Absent in records written
   * before keys could be rotated: their one key is adopted into the list on its next use.
   */
  keys?: StoredPartnerKey[];
}

export const buildPartnerRecordKey = (partnerId: string): string => buildPartnerKey(partnerId, 'partner');
/** Key hash -> partner id. The previous key's entry carries its grace as a TTL (clean-up only: the record decides). */
export const buildPartnerKeyIndexKey = (hash: string): string => `jg:partner-key:${hash}`;
/** Sorted set of every partner: score = creation time (ms), member = id. */
export const PARTNER_INDEX_KEY = 'jg:partners';

export function toPartner(record: PartnerRecord): Partner {
  return { id: record.id, name: record.name, createdAt: record.createdAt, disabled: record.disabled === true };
}

export function parsePartnerRecord(raw: string | null): PartnerRecord | null {
  if (raw === null) return null;
  const value = JSON.parse(raw) as PartnerRecord;
  if (typeof value?.id !== 'string' || typeof value.name !== 'string') {
    throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'stored partner has an unknown format');
  }
  return value;
}

const MAX_CAS_ATTEMPTS = 20;

/** Reads and changes partner records; every change is a compare-and-set, so none is lost. */
export function createPartnerRecords(options: { store: Store; clock: Clock }) {
  const { store, clock } = options;
  return {
    async get(partnerId: string): Promise<PartnerRecord | null> {
      return parsePartnerRecord(await store.get(buildPartnerRecordKey(partnerId)));
    },

    /**
     * `mutate` returns the next record, or null to change nothing; it may run several times (keep it pure)
     * and may throw a GatewayError to refuse. Unknown partner: BAD_USER_INPUT.
     */
    async update(partnerId: string, mutate: (record: PartnerRecord, now: number) => PartnerRecord | null): Promise<{ before: PartnerRecord; after: PartnerRecord }> {
      const key = buildPartnerRecordKey(partnerId);
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
        const raw = await store.get(key);
        const before = parsePartnerRecord(raw);
        if (!before) throw new GatewayError(ErrorCode.BAD_USER_INPUT, `No partner with id "${partnerId}".`);
        const after = mutate(before, clock.now());
        if (after === null) return { before, after: before };
        if (await store.compareAndSet(key, raw, JSON.stringify(after))) return { before, after };
      }
      throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'partner is being changed concurrently; try again');
    },
  };
}

export type PartnerRecords = ReturnType<typeof createPartnerRecords>;
