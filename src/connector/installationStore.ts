import type { Clock } from '../core/deps';
import { buildInstallationKey, buildPartnerKey, encodeInstallationRef, decodeInstallationRef, type InstallationRef } from '../core/installationRef';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Store } from '../store/store';

export type InstallationStatus = 'PENDING' | 'INSTALLED' | 'REAUTHORIZATION_REQUIRED' | 'DISCONNECTED';

/** Which Jobber app credentials an installation was installed with (they refresh its tokens and verify its webhooks). */
export type InstallationCredentials =
  /** The partner's settings at the time of use (so a rotated secret in the settings applies). */
  | { source: 'settings'; clientId: string }
  /** Given at install: kept with the installation, the secret sealed with the installation key as AAD. */
  | { source: 'install'; clientId: string; sealedSecret: string };

export interface InstallationRecord {
  f: 1;
  accountId: string;
  status: InstallationStatus;
  jobberAccountId: string | null;
  jobberAccountName: string | null;
  /** ms since the epoch of the last completed consent. */
  installedAt: number | null;
  lastError: string | null;
  /** Null until a consent completes: a reinstall keeps the old ones until the new consent completes. */
  credentials: InstallationCredentials | null;
  /**
   * Increases by one on every uninstall. An install's state carries the generation it was issued in,
   * so an uninstall voids the consent pages still open (clock-free, so no same-millisecond ambiguity).
   */
  generation: number;
  createdAt: number;
  updatedAt: number;
}

/** The record's key; also the AAD of its sealed per-install secret. */
export function buildInstallationRecordKey(ref: InstallationRef): string {
  return buildInstallationKey(ref, 'installation');
}

/** Sorted set (score 0, member = account id) of one partner's installations, in account-id order. */
export function buildPartnerInstallationsKey(partnerId: string): string {
  return buildPartnerKey(partnerId, 'installations');
}

/**
 * Sorted set (score 0, member = encoded ref) of every installation of every partner: what the
 * `gateway_installations` gauge counts (installationCounter.ts). Written on every change of a record,
 * so records older than the index join it at their next change.
 */
export const ALL_INSTALLATIONS_KEY = 'jg:installations';

/** Sorted set (member = encoded ref) of the installations in one Jobber account: webhooks name accounts by Jobber id. */
export function buildJobberAccountIndexKey(jobberAccountId: string): string {
  return `jg:jobber-account:${jobberAccountId}`;
}

/** A change: the next record, or null to leave the record as it is. */
export type InstallationMutation = (current: InstallationRecord | null, now: number) => InstallationRecord | null;

export interface InstallationStore {
  get(ref: InstallationRef): Promise<InstallationRecord | null>;
  getMany(refs: readonly InstallationRef[]): Promise<(InstallationRecord | null)[]>;
  /** Compare-and-set loop: `mutate` may run several times, so it must be pure. */
  update(ref: InstallationRef, mutate: InstallationMutation): Promise<{ previous: InstallationRecord | null; record: InstallationRecord | null; changed: boolean }>;
  listAccountIds(partnerId: string): Promise<string[]>;
  setJobberAccount(ref: InstallationRef, jobberAccountId: string, previousJobberAccountId: string | null): Promise<void>;
  listByJobberAccount(jobberAccountId: string): Promise<InstallationRef[]>;
}

const MAX_CAS_ATTEMPTS = 20;

export function createInstallationStore(options: { store: Store; clock: Clock }): InstallationStore {
  const { store, clock } = options;

  function parse(raw: string | null): InstallationRecord | null {
    if (raw === null) return null;
    const value = JSON.parse(raw) as InstallationRecord;
    if (value?.f !== 1) throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'stored installation has an unknown format');
    return value;
  }

  return {
    async get(ref) {
      return parse(await store.get(buildInstallationRecordKey(ref)));
    },

    async getMany(refs) {
      if (refs.length === 0) return [];
      const raws = await store.mget(refs.map(buildInstallationRecordKey));
      return raws.map(parse);
    },

    async update(ref, mutate) {
      const key = buildInstallationRecordKey(ref);
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
        const raw = await store.get(key);
        const previous = parse(raw);
        const next = mutate(previous, clock.now());
        if (next === null) return { previous, record: previous, changed: false };
        // Index first: an index entry without a record is skipped when listing; a record missing from
        // the index would be invisible.
        if (previous === null) await store.zAdd(buildPartnerInstallationsKey(ref.partnerId), 0, ref.accountId);
        await store.zAdd(ALL_INSTALLATIONS_KEY, 0, encodeInstallationRef(ref));
        if (await store.compareAndSet(key, raw, JSON.stringify(next))) return { previous, record: next, changed: true };
      }
      throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'installation is being changed concurrently; try again');
    },

    async listAccountIds(partnerId) {
      const members = await store.zRangeByScore(buildPartnerInstallationsKey(partnerId), 0, 0);
      return members.map((entry) => entry.member);
    },

    async setJobberAccount(ref, jobberAccountId, previousJobberAccountId) {
      const member = encodeInstallationRef(ref);
      await store.zAdd(buildJobberAccountIndexKey(jobberAccountId), 0, member);
      if (previousJobberAccountId !== null && previousJobberAccountId !== jobberAccountId) {
        await store.zRem(buildJobberAccountIndexKey(previousJobberAccountId), member);
      }
    },

    async listByJobberAccount(jobberAccountId) {
      const members = await store.zRangeByScore(buildJobberAccountIndexKey(jobberAccountId), 0, 0);
      return members.flatMap((entry) => {
        const ref = decodeInstallationRef(entry.member);
        return ref ? [ref] : [];
      });
    },
  };
}
