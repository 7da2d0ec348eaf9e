import { randomBytes } from 'node:crypto';
import { buildPartnerKey } from '../core/installationRef';
import type { SecretBox } from '../crypto/secretBox';
import type { Store } from '../store/store';

export interface SigningSecretsOptions {
  store: Store;
  /** Seals the secret at rest with its store key as associated data. */
  secretBox: Pick<SecretBox, 'seal' | 'open'>;
}

/**
 * Per-partner secrets that sign partner webhooks (`webhook-signature`, and `X-Gateway-Signature`). `rotate` is the only way
 * to see one: the partner is shown it once and it is kept sealed. Rotation takes effect at once for
 * every delivery not yet sent.
 */
export interface SigningSecrets {
  /** Makes a new secret (256 random bits), replacing the old one; returns it to show once. */
  rotate(partnerId: string): Promise<string>;
  /** The current secret, null when the partner never made one. */
  get(partnerId: string): Promise<string | null>;
  /**
   * The current secret, made on first use so deliveries are always signed. Concurrent first uses
   * agree on one secret (set-if-absent). The partner sees a secret only through `rotate`.
   */
  getOrCreate(partnerId: string): Promise<string>;
}

const PREFIX = 'whsec_';
/** Standard Webhooks' secret format: `whsec_` and the standard base64 of a 256-bit key. */
const newSecret = (): string => `${PREFIX}${randomBytes(32).toString('base64')}`;

export function createSigningSecrets(options: SigningSecretsOptions): SigningSecrets {
  const { store, secretBox } = options;
  const keyOf = (partnerId: string): string => buildPartnerKey(partnerId, 'webhook-signing-secret');
  return {
    async rotate(partnerId) {
      const secret = newSecret();
      const key = keyOf(partnerId);
      await store.set(key, secretBox.seal(secret, key));
      return secret;
    },
    async get(partnerId) {
      const key = keyOf(partnerId);
      const sealed = await store.get(key);
      return sealed === null ? null : secretBox.open(sealed, key);
    },
    async getOrCreate(partnerId) {
      const key = keyOf(partnerId);
      // Loops only if the winner's secret vanished between our failed set and our read (a rotate never deletes).
      for (;;) {
        const existing = await store.get(key);
        if (existing !== null) return secretBox.open(existing, key);
        const secret = newSecret();
        if (await store.set(key, secretBox.seal(secret, key), { onlyIfAbsent: true })) return secret;
      }
    },
  };
}
