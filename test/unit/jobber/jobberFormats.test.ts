import { formatJobberOccurredAt, formatJobberTimestamp } from '../../../src/jobber/formatJobberTimestamp';
import { isValidJobberWebhookSignature, signJobberWebhook } from '../../../src/jobber/signJobberWebhook';

describe('Jobber formats', () => {
  test.each([
    [Date.UTC(2024, 3, 9, 21, 4, 31, 999), '2024-04-09 21:04:31 UTC'],
    [Date.UTC(2026, 0, 1, 0, 0, 0), '2026-01-01 00:00:00 UTC'],
  ])('when %d is formatted as expires_at, then it reads %s', (ms, expected) => {
    expect(formatJobberTimestamp(ms)).toBe(expected);
  });

  test('when occurredAt is formatted, then it is ISO 8601 with an offset and no milliseconds', () => {
    expect(formatJobberOccurredAt(Date.UTC(2021, 7, 12, 22, 31, 36, 5))).toBe('2021-08-12T22:31:36+00:00');
  });
});

describe('signJobberWebhook', () => {
  const body = '{"data":{"webHookEvent":{"topic":"CLIENT_CREATE"}}}';
  test('when a body is signed, then the signature is base64 HMAC-SHA256 with the secret', () => {
    // Known vector, computed outside Node: printf '%s' "$body" | openssl dgst -sha256 -hmac secret -binary | base64
    expect(signJobberWebhook(body, 'secret')).toBe('XfaJoY0+Go5OjERaj10q2i1F3O7w+eKbGHwpNiNAAH8=');
    expect(signJobberWebhook(Buffer.from(body), 'secret')).toBe('XfaJoY0+Go5OjERaj10q2i1F3O7w+eKbGHwpNiNAAH8=');
  });
  test.each([
    ['the right signature', (s: string) => s, true],
    ['a signature of another secret', () => signJobberWebhook(body, 'other'), false],
    ['no signature', () => undefined, false],
    ['a truncated signature', (s: string) => s.slice(1), false],
  ])('when verified with %s, then it is %s', (_name, make, expected) => {
    expect(isValidJobberWebhookSignature(Buffer.from(body), 'secret', make(signJobberWebhook(body, 'secret')))).toBe(expected);
  });
});
