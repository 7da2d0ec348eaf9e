import { buildDemoBanner } from '../../../src/runtime/prepareDemo';

const demo = {
  apiKey: 'jgp_abc123',
  accountId: 'demo-customer-1',
  consentUrl: 'http://127.0.0.1:4010/api/oauth/authorize?response_type=code&client_id=demo-partner-app&state=s1',
  explorerUrl: 'http://localhost:4000/graphql',
  sandboxUrl: 'http://127.0.0.1:4010',
  identityPath: '.data/demo/demo-partner.json',
};

describe('buildDemoBanner', () => {
  const banner = buildDemoBanner(demo);

  test('when the demo starts, then the banner has exactly three numbered steps, in order', () => {
    expect(banner.match(/^\d+\. /gm)).toEqual(['1. ', '2. ', '3. ']);
  });

  test('when the banner is read, then the install link stands alone on its line under step 1 and the explorer URL is in step 2', () => {
    expect(banner).toMatch(new RegExp(`^1\\. .*\\n {5}${demo.consentUrl.replace(/[.?]/g, '\\$&')}$`, 'm'));
    expect(banner).toMatch(/^2\. .*http:\/\/localhost:4000\/graphql/m);
  });

  test('when the banner is read, then it asks for nothing to be edited: no placeholder, and the curl line carries the real key and account', () => {
    expect(banner).not.toMatch(/<[a-z ]+>|YOUR|\.\.\./i);
    expect(banner).toContain("-H 'authorization: Bearer jgp_abc123' -H 'x-account-id: demo-customer-1'");
  });
});
