import type { TokenRecord } from '../tokens/tokenStore';
import type { InstallationRecord, InstallationStatus } from './installationStore';

/** `ConnectorInstallation` of the local schema. Never carries a token or secret. */
export interface InstallationView {
  accountId: string;
  status: InstallationStatus;
  jobberAccountId: string | null;
  jobberAccountName: string | null;
  installedAt: Date | null;
  accessTokenExpiresAt: Date | null;
  lastRefreshedAt: Date | null;
  lastError: string | null;
}

const toDate = (ms: number | null | undefined): Date | null => (typeof ms === 'number' ? new Date(ms) : null);

/** Token times are shown only while the tokens are live (an uninstalled installation has none). Pure. */
export function toInstallationView(record: InstallationRecord, tokens: Pick<TokenRecord, 'accessTokenExpiresAt' | 'lastRefreshedAt'> | null): InstallationView {
  return {
    accountId: record.accountId,
    status: record.status,
    jobberAccountId: record.jobberAccountId,
    jobberAccountName: record.jobberAccountName,
    installedAt: toDate(record.installedAt),
    accessTokenExpiresAt: toDate(tokens?.accessTokenExpiresAt),
    lastRefreshedAt: toDate(tokens?.lastRefreshedAt),
    lastError: record.lastError,
  };
}
