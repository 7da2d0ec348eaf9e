import { buildCallbackResponse, EXPLORER_LINK_TEXT } from '../../../src/connector/buildCallbackResponse';
import type { CallbackOutcome } from '../../../src/connector/callbackHandler';

describe('buildCallbackResponse', () => {
  test.each<[CallbackOutcome, number, string]>([
    [{ kind: 'installed', partnerId: 'p', accountId: 'a', jobberAccountName: 'Acme', redirectUrl: null }, 200, 'Acme'],
    [{ kind: 'installed', partnerId: 'p', accountId: 'a', jobberAccountName: null, redirectUrl: null }, 200, 'connected'],
    [{ kind: 'denied' }, 400, 'not granted'],
    [{ kind: 'marketplace' }, 400, 'partner\u2019s own product'],
    [{ kind: 'malformed' }, 400, 'not valid'],
    [{ kind: 'invalid_state' }, 400, 'already used'],
    [{ kind: 'exchange_failed', reason: 'rejected' }, 502, 'Client Secret may be wrong'],
    [{ kind: 'exchange_failed', reason: 'unavailable' }, 502, 'could not be reached'],
    [{ kind: 'account_lookup_failed' }, 502, 'could not be read'],
  ])('when the outcome is %j, then the status is %i and the page says %j', (outcome, status, phrase) => {
    const response = buildCallbackResponse(outcome);
    expect(response.status).toBe(status);
    expect('page' in response && [response.page.heading, ...response.page.paragraphs].join(' ')).toContain(phrase);
  });

  test('when installed with a return URL, then the answer is a 302 to it', () => {
    const redirectUrl = 'https://app.example.com/done?status=installed&accountId=a';
    expect(buildCallbackResponse({ kind: 'installed', partnerId: 'p', accountId: 'a', jobberAccountName: 'Acme', redirectUrl })).toEqual({ status: 302, location: redirectUrl });
  });

  test('when installed in the demo (an explorer URL is given), then the success page names the account and links to the explorer', () => {
    const response = buildCallbackResponse(
      { kind: 'installed', partnerId: 'p', accountId: 'demo-customer-1', jobberAccountName: 'My Company', redirectUrl: null },
      { explorerUrl: 'http://localhost:4000/graphql' },
    );
    expect(response).toEqual({
      status: 200,
      page: expect.objectContaining({ link: { href: 'http://localhost:4000/graphql', text: EXPLORER_LINK_TEXT } }),
    });
    expect('page' in response && response.page.paragraphs.join(' ')).toMatch(/"My Company".*"demo-customer-1"/);
  });

  test('when installed without an explorer URL (a real deployment), then the success page has no link', () => {
    const response = buildCallbackResponse({ kind: 'installed', partnerId: 'p', accountId: 'a', jobberAccountName: 'Acme', redirectUrl: null });
    expect('page' in response && response.page.link).toBeUndefined();
  });

  test('when a demo install has a return URL, then it still redirects there', () => {
    const redirectUrl = 'http://localhost:4000/done?status=installed&accountId=a';
    const response = buildCallbackResponse({ kind: 'installed', partnerId: 'p', accountId: 'a', jobberAccountName: null, redirectUrl }, { explorerUrl: 'http://localhost:4000/graphql' });
    expect(response).toEqual({ status: 302, location: redirectUrl });
  });
});
