import type { AccountSessions } from '../auth/accountSessions';
import type { PartnerRegistry } from '../auth/partnerRegistry';
import type { InstallationRef } from '../core/installationRef';
import type { ConnectorSettingsView } from '../connector/connectorService';
import type { InstallationStatus as InstallationStatusValue } from '../connector/installationStore';
import type { InstallationView } from '../connector/installationView';
import type { TrustedDocuments } from '../trusted/trustedDocuments';
import type { JobberForwarder } from './jobberForwarder';

/** What the local resolvers need of the connector (implemented by src/connector/connectorService.ts). */
export interface ConnectorApi {
  getSettings(partnerId: string): Promise<ConnectorSettingsView>;
  updateSettings(
    partnerId: string,
    input: { clientId?: string | null; clientSecret?: string | null; webhookUrl?: string | null; returnUrlOrigins?: string[] | null },
  ): Promise<ConnectorSettingsView>;
  install(
    partnerId: string,
    input: { accountId: string; clientId?: string | null; clientSecret?: string | null; returnUrl?: string | null },
  ): Promise<{ consentUrl: string; state: string; expiresAt: Date }>;
  getInstallation(ref: InstallationRef): Promise<InstallationView | null>;
  listInstallations(
    partnerId: string,
    options: { first: number; after?: string | null; status?: InstallationStatusValue | null },
  ): Promise<{ nodes: InstallationView[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number }>;
  uninstall(ref: InstallationRef): Promise<InstallationView>;
}

/** Everything request handling needs, built once by createApp. */
export interface GatewayServices {
  partners: PartnerRegistry;
  sessions: AccountSessions;
  connector: ConnectorApi;
  forwarder: JobberForwarder;
  signingSecrets: { rotate(partnerId: string): Promise<string> };
  /** A partner's registered operations and its "sessions run only those" switch (issue 13). */
  trustedDocuments: TrustedDocuments;
}
