import type { InstallationRef } from '../core/installationRef';
import type { SecretBox } from '../crypto/secretBox';
import type { ConnectorSettingsStore } from './connectorSettingsStore';
import { buildInstallationRecordKey, type InstallationRecord, type InstallationStore } from './installationStore';

export interface CredentialReaderOptions {
  installations: InstallationStore;
  settingsStore: ConnectorSettingsStore;
  secretBox: SecretBox;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** Shares one settings read per partner within one call (see credentialsOf). */
export type SettingsReads = Map<string, Promise<{ clientId: string | null; clientSecret: string | null }>>;

/**
 * The Jobber app credentials an installation's tokens were issued with: the installation's own (sealed
 * in its record), or the partner's connector settings (so a rotated secret applies). It only reads the
 * store, so the app builds it before the token refresher, which needs it, and before the connector,
 * which is given the same one (one per app).
 */
export function createCredentialReader(options: CredentialReaderOptions) {
  const { installations, settingsStore, secretBox } = options;

  /** The credentials of `record` (the record of `ref`); `settingsReads` shares settings reads within one call. */
  async function credentialsOf(ref: InstallationRef, record: InstallationRecord | null, settingsReads: SettingsReads = new Map()): Promise<ClientCredentials | null> {
    const credentials = record?.credentials;
    if (!credentials) return null;
    if (credentials.source === 'install') {
      return { clientId: credentials.clientId, clientSecret: secretBox.open(credentials.sealedSecret, buildInstallationRecordKey(ref)) };
    }
    let settings = settingsReads.get(ref.partnerId);
    if (!settings) {
      settings = settingsStore.read(ref.partnerId).then((stored) => ({
        clientId: stored?.clientId ?? null,
        clientSecret: settingsStore.openSecret(ref.partnerId, stored),
      }));
      settingsReads.set(ref.partnerId, settings);
    }
    const { clientId, clientSecret } = await settings;
    return clientId && clientSecret ? { clientId, clientSecret } : null;
  }

  return {
    credentialsOf,
    async getCredentials(ref: InstallationRef): Promise<ClientCredentials | null> {
      return credentialsOf(ref, await installations.get(ref));
    },
  };
}

export type CredentialReader = ReturnType<typeof createCredentialReader>;
