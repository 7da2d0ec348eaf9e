import type { Clock } from '../core/deps';
import { ErrorCode, isGatewayError } from '../errors/gatewayError';
import { createByteLru } from './byteLru';
import type { TrustedDocumentPolicy, TrustedDocumentStore } from './trustedDocumentStore';

export interface TrustedDocumentCacheOptions {
  clock: Clock;
  documents: Pick<TrustedDocumentStore, 'readPolicy' | 'read'>;
  /** How long a partner's policy is served from memory before the store is read again (ms): CACHE_RECHECK_MS. */
  recheckMs: number;
  /** How long after its last successful read a policy still serves while the store is unreachable (ms). Default 60000. */
  outageGraceMs?: number;
  /** Characters of document text held in memory, all partners together. Default 16 MiB (16777216). */
  maxBytes?: number;
  /** Documents (and known absences) held. Default 20000. */
  maxEntries?: number;
  /** Partners whose policy is held (cleared when full). Default 10000. */
  maxPartners?: number;
}

export interface TrustedDocumentCache {
  /** The partner's policy: from memory when read within `recheckMs`, else from the store (one read at a time per partner). */
  policy(partnerId: string): Promise<TrustedDocumentPolicy>;
  /** The text registered under `sha256Hash` for the partner, or null; from memory while `policy.generation` is the one it was read at. */
  registeredText(partnerId: string, sha256Hash: string, policy: TrustedDocumentPolicy): Promise<string | null>;
  /** Drops the partner's policy (the invalidation channel: a switch, a registration or a removal). */
  forgetPartner(partnerId: string): void;
}

interface PolicyEntry {
  policy: TrustedDocumentPolicy;
  checkedAt: number;
  readAt: number;
}

/** A known text or a known absence, valid while the partner's generation is `generation`. */
interface DocumentEntry {
  text: string | null;
  generation: number;
}

/** What an absence costs in the byte bound (its key and entry), so absences are bounded too. */
const ABSENCE_BYTES = 128;

/**
 * Trusted documents in process memory, so a request by hash reads nothing from the store:
 * - each partner's policy (switch and generation) is read at most once per `recheckMs` (the fallback for a
 *   lost invalidation) and dropped at once by `forgetPartner`;
 * - documents by (partner, hash) in an LRU bounded by characters and entries, texts and absences alike,
 *   each stamped with the generation it was read at: a registration or removal bumps the generation, so
 *   what a process remembers is read again once it has seen the new generation.
 * Invariant: an entry is stamped with the generation of the policy read before the document was read.
 */
export function createTrustedDocumentCache(options: TrustedDocumentCacheOptions): TrustedDocumentCache {
  const { clock, documents, recheckMs } = options;
  const outageGraceMs = options.outageGraceMs ?? 60_000;
  const maxPartners = options.maxPartners ?? 10_000;
  const policies = new Map<string, PolicyEntry>();
  const pendingPolicies = new Map<string, Promise<TrustedDocumentPolicy>>();
  const texts = createByteLru<DocumentEntry>({ maxBytes: options.maxBytes ?? 16 * 1024 * 1024, maxEntries: options.maxEntries ?? 20_000 });
  const pendingTexts = new Map<string, Promise<string | null>>();
  /** Bumped by every forget: a read that started before it must not cache what it saw. */
  let forgets = 0;

  async function loadPolicy(partnerId: string, stale: PolicyEntry | undefined): Promise<TrustedDocumentPolicy> {
    const startedAt = forgets;
    let policy: TrustedDocumentPolicy;
    try {
      policy = await documents.readPolicy(partnerId);
    } catch (error) {
      // DESIGN.md "When Redis is down": fresh enough in-process state may go on.
      const now = clock.now();
      if (!stale || policies.get(partnerId) !== stale || now - stale.readAt >= outageGraceMs || !isGatewayError(error) || error.code !== ErrorCode.STORE_UNAVAILABLE) throw error;
      stale.checkedAt = now;
      return stale.policy;
    }
    if (forgets === startedAt) {
      if (policies.size >= maxPartners) policies.clear();
      const now = clock.now();
      policies.set(partnerId, { policy, checkedAt: now, readAt: now });
    }
    return policy;
  }

  return {
    policy(partnerId) {
      const entry = policies.get(partnerId);
      if (entry && clock.now() - entry.checkedAt < recheckMs) return Promise.resolve(entry.policy);
      let running = pendingPolicies.get(partnerId);
      if (!running) {
        running = loadPolicy(partnerId, entry).finally(() => pendingPolicies.delete(partnerId));
        pendingPolicies.set(partnerId, running);
      }
      return running;
    },

    registeredText(partnerId, sha256Hash, policy) {
      const key = `${partnerId}\u0000${sha256Hash}`;
      const entry = texts.get(key);
      if (entry && entry.generation === policy.generation) return Promise.resolve(entry.text);
      const pendingKey = `${key}\u0000${policy.generation}`;
      let running = pendingTexts.get(pendingKey);
      if (!running) {
        running = documents
          .read(partnerId, sha256Hash)
          .then((document) => {
            const text = document?.body ?? null;
            texts.set(key, { text, generation: policy.generation }, text === null ? ABSENCE_BYTES : text.length + ABSENCE_BYTES);
            return text;
          })
          .finally(() => pendingTexts.delete(pendingKey));
        pendingTexts.set(pendingKey, running);
      }
      return running;
    },

    forgetPartner(partnerId) {
      forgets++;
      policies.delete(partnerId);
    },
  };
}
