import type { Clock } from '../core/deps';
import { buildPartnerKey } from '../core/installationRef';
import type { SecretBox } from '../crypto/secretBox';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Store } from '../store/store';
import type { ConnectorSettingsPatch } from './parseConnectorSettingsInput';

/** One partner's connector settings as stored; the client secret stays sealed until someone needs it. */
export interface StoredConnectorSettings {
  f: 1;
  clientId: string | null;
  /** secretBox.seal(clientSecret, settings key); null when not set. */
  sealedSecret: string | null;
  webhookUrl: string | null;
  /** Normalized origins (URL.origin). */
  returnUrlOrigins: string[];
  updatedAt: number;
}

export interface ConnectorSettingsStore {
  read(partnerId: string): Promise<StoredConnectorSettings | null>;
  /** The plaintext client secret of `settings` (read from `partnerId`'s record), or null when none is set. */
  openSecret(partnerId: string, settings: StoredConnectorSettings | null): string | null;
  /** Applies a validated patch with compare-and-set, so concurrent updates of different fields both land. */
  update(partnerId: string, patch: ConnectorSettingsPatch): Promise<StoredConnectorSettings>;
}

/** The settings record's key; also the associated data its sealed secret is bound to. */
export function buildSettingsKey(partnerId: string): string {
  return buildPartnerKey(partnerId, 'settings');
}

const MAX_CAS_ATTEMPTS = 20;

export function createConnectorSettingsStore(options: { store: Store; secretBox: SecretBox; clock: Clock }): ConnectorSettingsStore {
  const { store, secretBox, clock } = options;

  function parse(raw: string): StoredConnectorSettings {
    const value = JSON.parse(raw) as StoredConnectorSettings;
    if (value?.f !== 1) throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'stored connector settings have an unknown format');
    return value;
  }

  return {
    async read(partnerId) {
      const raw = await store.get(buildSettingsKey(partnerId));
      return raw === null ? null : parse(raw);
    },

    openSecret(partnerId, settings) {
      return settings?.sealedSecret ? secretBox.open(settings.sealedSecret, buildSettingsKey(partnerId)) : null;
    },

    async update(partnerId, patch) {
      const key = buildSettingsKey(partnerId);
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
        const raw = await store.get(key);
        const current = raw === null ? null : parse(raw);
        const next: StoredConnectorSettings = {
          f: 1,
          clientId: patch.clientId !== undefined ? patch.clientId : (current?.clientId ?? null),
          sealedSecret:
            patch.clientSecret !== undefined
              ? patch.clientSecret === null
                ? null
                : secretBox.seal(patch.clientSecret, key)
              : (current?.sealedSecret ?? null),
          webhookUrl: patch.webhookUrl !== undefined ? patch.webhookUrl : (current?.webhookUrl ?? null),
          returnUrlOrigins: patch.returnUrlOrigins ?? current?.returnUrlOrigins ?? [],
          updatedAt: clock.now(),
        };
        if (await store.compareAndSet(key, raw, JSON.stringify(next))) return next;
      }
      throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'connector settings are being changed concurrently; try again');
    },
  };
}
