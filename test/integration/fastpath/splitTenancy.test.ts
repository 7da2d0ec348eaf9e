import { createTestPartner, installAccount, postGraphql, startTestGateway, type TestGateway, type TestPartner } from '../../support/testGateway';
import { readFastPathCount } from './support/readFastPathCount';

/** Both halves of a split query depend on the caller: local (settings, installation) and Jobber (account). */
const MIXED = 'query($a: ID!) { connectorSettings { clientId } account { name } connectorInstallation(accountId: $a) { accountId jobberAccountName } }';

describe('fast path: split queries keep tenants apart', () => {
  let gateway: TestGateway;
  let first: TestPartner;
  let second: TestPartner;

  beforeAll(async () => {
    gateway = await startTestGateway();
    first = await createTestPartner(gateway);
    second = await createTestPartner(gateway);
    // The same account id under two partners: two installations, two Jobber accounts.
    for (const [partner, accountId, accountName] of [
      [first, 'north', 'North Lawn Care'],
      [first, 'south', 'South Plumbing'],
      [second, 'north', 'Northern Roofing'],
    ] as const) {
      expect((await installAccount(gateway, partner, accountId, { accountName })).callbackStatus).toBe(200);
    }
  }, 60_000);
  afterAll(() => gateway.close());

  test('when two partners send mixed queries at once, then every answer holds only its own partner and account, in both halves', async () => {
    const callers = [
      { partner: first, accountId: 'north', name: 'North Lawn Care' },
      { partner: first, accountId: 'south', name: 'South Plumbing' },
      { partner: second, accountId: 'north', name: 'Northern Roofing' },
    ];
    const splitBefore = await readFastPathCount(gateway, 'split');
    const answers = await Promise.all(
      Array.from({ length: 90 }, (_, i) => {
        const caller = callers[i % callers.length]!;
        return postGraphql(gateway.url, { query: MIXED, variables: { a: caller.accountId } }, caller.partner.headers(caller.accountId)).then((answer) => ({ caller, answer }));
      }),
    );
    for (const { caller, answer } of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toEqual({
        connectorSettings: { clientId: caller.partner.clientId },
        account: { name: caller.name },
        connectorInstallation: { accountId: caller.accountId, jobberAccountName: caller.name },
      });
    }
    // They were answered by the split path, not by stitching.
    expect((await readFastPathCount(gateway, 'split')) - splitBefore).toBe(90);
  });
});
