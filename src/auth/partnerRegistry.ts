import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/deps';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Store } from '../store/store';
import { createSecretToken, hashSecretToken } from './secretTokens';

export interface Partner {
  id: string;
  name: string;
  createdAt: string;
}

export interface PartnerRegistryOptions {
  store: Store;
  clock: Clock;
  /** How long a verified API key is remembered in process memory, so a Redis outage does not stop traffic. Default 60000 ms. */
  keyCacheMs?: number;
}

export interface PartnerRegistry {
  createPartner(name: string): Promise<{ partner: Partner; apiKey: string }>;
  /** The partner owning this API key, or null. Store failures propagate (STORE_UNAVAILABLE) unless the key is cached. */
  authenticate(apiKey: string): Promise<Partner | null>;
  get(partnerId: string): Promise<Partner | null>;
}

const keyIndex = (hash: string) => `jg:partner-key:${hash}`;
const partnerKey = (id: string) => `jg:{p:${id}}:partner`;

/** Partners and their API keys; a key is shown once at creation and stored only as a SHA-256 hash. */
export function createPartnerRegistry(options: PartnerRegistryOptions): PartnerRegistry {
  const { store, clock } = options;
  const keyCacheMs = options.keyCacheMs ?? 60_000;
  // Invariant: only verified (key hash -> partner) pairs are cached, and only for keyCacheMs.
  const cache = new Map<string, { partner: Partner; until: number }>();

  async function get(partnerId: string): Promise<Partner | null> {
    const raw = await store.get(partnerKey(partnerId));
    return raw ? (JSON.parse(raw) as Partner) : null;
  }

  return {
    async createPartner(name) {
      const trimmed = name.trim();
      if (trimmed.length < 1 || trimmed.length > 200) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'name must be 1-200 characters');
      }
      const partner: Partner = { id: randomUUID(), name: trimmed, createdAt: new Date(clock.now()).toISOString() };
      const apiKey = createSecretToken('jgp');
      await store.set(partnerKey(partner.id), JSON.stringify(partner));
      await store.set(keyIndex(hashSecretToken(apiKey)), partner.id);
      return { partner, apiKey };
    },

    async authenticate(apiKey) {
      const hash = hashSecretToken(apiKey);
      const cached = cache.get(hash);
      const now = clock.now();
      if (cached && cached.until > now) return cached.partner;
      const partnerId = await store.get(keyIndex(hash));
      const partner = partnerId ? await get(partnerId) : null;
      if (partner) {
        if (cache.size > 10_000) cache.clear();
        cache.set(hash, { partner, until: now + keyCacheMs });
      } else {
        cache.delete(hash);
      }
      return partner;
    },

    get,
  };
}
