import type { InstallationRecord } from '../../../src/connector/installationStore';
import { toInstallationView } from '../../../src/connector/installationView';

const record: InstallationRecord = {
  f: 1,
  accountId: 'acc-1',
  status: 'INSTALLED',
  jobberAccountId: 'QWNjb3VudDox',
  jobberAccountName: 'Acme',
  installedAt: 1_700_000_000_000,
  lastError: null,
  credentials: { source: 'install', clientId: 'cid', sealedSecret: 'v1.sealed' },
  generation: 0,
  createdAt: 1_600_000_000_000,
  updatedAt: 1_700_000_000_000,
};

describe('toInstallationView', () => {
  test.each([
    [null, null, null],
    [{ accessTokenExpiresAt: 1_700_003_600_000, lastRefreshedAt: null }, new Date(1_700_003_600_000), null],
    [{ accessTokenExpiresAt: 5, lastRefreshedAt: 4 }, new Date(5), new Date(4)],
  ])('when the tokens are %j, then the token times are %j and %j', (tokens, expiresAt, refreshedAt) => {
    const view = toInstallationView(record, tokens);
    expect(view.accessTokenExpiresAt).toEqual(expiresAt);
    expect(view.lastRefreshedAt).toEqual(refreshedAt);
    expect(view.installedAt).toEqual(new Date(record.installedAt as number));
  });

  test('when a view is built, then it carries no credentials', () => {
    const view = toInstallationView(record, null);
    expect(Object.keys(view).sort()).toEqual(
      ['accessTokenExpiresAt', 'accountId', 'installedAt', 'jobberAccountId', 'jobberAccountName', 'lastError', 'lastRefreshedAt', 'status'].sort(),
    );
    expect(JSON.stringify(view)).not.toContain('sealed');
  });
});
