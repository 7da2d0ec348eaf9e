import {
  buildCallbackUrl,
  buildConsentUrl,
  buildInstalledRedirectUrl,
  parseAllowedOrigin,
  parseReturnUrl,
  parseWebhookUrl,
} from '../../../src/connector/connectorUrls';

describe('parseAllowedOrigin', () => {
  test.each([
    ['https://App.Example.com', 'https://app.example.com'],
    ['https://app.example.com/', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['https://app.example.com:8443', 'https://app.example.com:8443'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://127.0.0.1:5173/', 'http://127.0.0.1:5173'],
    ['  https://trimmed.example.com  ', 'https://trimmed.example.com'],
  ])('when the origin is %j, then it is stored as %j', (input, expected) => {
    expect(parseAllowedOrigin(input)).toEqual({ ok: true, value: expected });
  });

  test.each([
    ['http://app.example.com', 'https'],
    ['ftp://app.example.com', 'https'],
    ['javascript:alert(1)', 'https'],
    ['app.example.com', 'absolute'],
    ['https://app.example.com/path', 'origin only'],
    ['https://app.example.com/?q=1', 'origin only'],
    ['https://app.example.com/#x', 'origin only'],
    ['https://user:pw@app.example.com', 'credentials'],
    ['', 'absolute'],
  ])('when the origin is %j, then it is refused (%s)', (input, reasonPart) => {
    const result = parseAllowedOrigin(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reasonPart);
  });
});

describe('parseReturnUrl', () => {
  const origins = ['https://app.example.com', 'http://localhost:3000'];
  test.each([
    ['https://app.example.com/jobber/done?x=1', true],
    ['https://APP.example.com:443/done', true],
    ['http://localhost:3000/cb', true],
    ['https://app.example.com.evil.com/done', false],
    ['https://evil.com/https://app.example.com', false],
    ['http://app.example.com/done', false],
    ['http://localhost:3001/cb', false],
    ['//app.example.com/done', false],
    ['https://user@app.example.com/done', false],
  ])('when the return URL is %j, then allowed is %s', (input, allowed) => {
    expect(parseReturnUrl(input, origins).ok).toBe(allowed);
  });
});

describe('parseWebhookUrl', () => {
  test.each([
    ['https://hooks.example.com/jobber', true],
    ['http://127.0.0.1:9999/hook', false],
    ['https://10.2.3.4/hook', false],
    ['https://169.254.169.254/latest', false],
    ['https://[fe80::1]/hook', false],
    ['https://api.localhost/hook', false],
    ['https://8.8.8.8/hook', true],
    ['http://hooks.example.com/jobber', false],
    ['not a url', false],
  ])('when the webhook URL is %j, then allowed is %s', (input, allowed) => {
    expect(parseWebhookUrl(input).ok).toBe(allowed);
  });

  test.each([
    ['http://127.0.0.1:9999/hook', true],
    ['http://localhost:9999/hook', true],
    ['https://10.2.3.4/hook', true],
    ['http://10.2.3.4/hook', false],
  ])('when private targets are allowed and the webhook URL is %j, then allowed is %s', (input, allowed) => {
    expect(parseWebhookUrl(input, { allowPrivateTargets: true }).ok).toBe(allowed);
  });
});

describe('gateway-built URLs', () => {
  test.each([
    ['https://gw.example.com', 'https://gw.example.com/connector/callback'],
    ['https://gw.example.com/', 'https://gw.example.com/connector/callback'],
    ['http://localhost:4000', 'http://localhost:4000/connector/callback'],
  ])('when the public URL is %j, then the callback is %j', (publicUrl, expected) => {
    expect(buildCallbackUrl(publicUrl)).toBe(expected);
  });

  test('when a consent URL is built, then it carries exactly the four OAuth parameters, encoded', () => {
    const url = new URL(
      buildConsentUrl({ jobberBaseUrl: 'https://api.getjobber.com/', clientId: 'id&x', redirectUri: 'https://gw/connector/callback', state: 's t' }),
    );
    expect(url.origin + url.pathname).toBe('https://api.getjobber.com/api/oauth/authorize');
    expect([...url.searchParams.entries()]).toEqual([
      ['response_type', 'code'],
      ['client_id', 'id&x'],
      ['redirect_uri', 'https://gw/connector/callback'],
      ['state', 's t'],
    ]);
  });

  test.each([
    ['https://app.example.com/done', 'https://app.example.com/done?status=installed&accountId=acc-1'],
    ['https://app.example.com/done?tab=2#top', 'https://app.example.com/done?tab=2&status=installed&accountId=acc-1#top'],
    ['https://app.example.com/done?status=old', 'https://app.example.com/done?status=installed&accountId=acc-1'],
  ])('when returning to %j, then the redirect is %j', (returnUrl, expected) => {
    expect(buildInstalledRedirectUrl(returnUrl, 'acc-1')).toBe(expected);
  });
});
