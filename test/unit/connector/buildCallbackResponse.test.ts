import { buildCallbackResponse } from '../../../src/connector/buildCallbackResponse';
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
});
