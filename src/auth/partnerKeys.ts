/**
 * The pure rules of a partner's API keys (issue 13): a partner holds at most two keys, the current one
 * (no expiry) and the previous one during the grace period its rotation chose. Keys are known by a
 * random id; only their SHA-256 hash is stored.
 */
export interface StoredPartnerKey {
  /** Random, shown to the partner and the admin to name the key (never derived from the key). */
  id: string;
  /** SHA-256 (hex) of the key. */
  hash: string;
  /** ms since the epoch. */
  createdAt: number;
  /** ms since the epoch; null = the current key. */
  expiresAt: number | null;
}

/** Longest grace period a rotation may give the old key: 7 days. */
export const MAX_KEY_GRACE_SECONDS = 7 * 24 * 3600;

/** What changed in a partner's key list, and which stored key hashes must go or expire with it. */
export interface KeyListChange {
  keys: StoredPartnerKey[];
  /** Keys that stop working now (their index entries are deleted). */
  dropped: StoredPartnerKey[];
  /** The old current key, now in its grace period (its index entry gets that expiry), if any. */
  expiring: StoredPartnerKey | null;
}

export function isKeyLive(key: StoredPartnerKey, now: number): boolean {
  return key.expiresAt === null || key.expiresAt > now;
}

/** The live key with this hash, or null (unknown, expired or revoked). */
export function findLiveKey(keys: readonly StoredPartnerKey[], hash: string, now: number): StoredPartnerKey | null {
  return keys.find((key) => key.hash === hash && isKeyLive(key, now)) ?? null;
}

export function isGraceSeconds(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_KEY_GRACE_SECONDS;
}

/**
 * `fresh` becomes the current key. The old current key stays valid for `graceMs` (0 = it stops now);
 * any older previous key stops now, even inside its own grace (at most two keys).
 */
export function planKeyRotation(keys: readonly StoredPartnerKey[], fresh: StoredPartnerKey, now: number, graceMs: number): KeyListChange {
  const current = keys.find((key) => key.expiresAt === null);
  const dropped = keys.filter((key) => key !== current || graceMs <= 0);
  if (!current || graceMs <= 0) return { keys: [fresh], dropped, expiring: null };
  const expiring = { ...current, expiresAt: now + graceMs };
  return { keys: [fresh, expiring], dropped, expiring };
}

export type KeyRevocation = { ok: true; change: KeyListChange } | { ok: false; reason: 'unknown' | 'current' };

/** Ends a previous key's grace now. The current key cannot be revoked (rotate it instead: grace 0 ends it at once). */
export function planKeyRevocation(keys: readonly StoredPartnerKey[], keyId: string, now: number): KeyRevocation {
  const key = keys.find((candidate) => candidate.id === keyId && isKeyLive(candidate, now));
  if (!key) return { ok: false, reason: 'unknown' };
  if (key.expiresAt === null) return { ok: false, reason: 'current' };
  return { ok: true, change: { keys: keys.filter((candidate) => candidate !== key && isKeyLive(candidate, now)), dropped: [key], expiring: null } };
}
