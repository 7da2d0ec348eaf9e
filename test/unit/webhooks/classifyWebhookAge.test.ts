import { classifyWebhookAge } from '../../../src/webhooks/classifyWebhookAge';

const now = Date.parse('2026-12-01T12:00:00Z');
const base = { now, maxAgeMs: 24 * 3_600_000, skewMs: 300_000 };

describe('classifyWebhookAge', () => {
  test.each([
    ['a second ago', '2026-12-01T11:59:59Z', undefined, 'fresh'],
    ['in Jobber\'s -06:00 offset, a minute ago', '2026-12-01T05:59:00-06:00', undefined, 'fresh'],
    ['just inside the bound', '2026-11-30T12:00:01Z', undefined, 'fresh'],
    ['just past the bound', '2026-11-30T11:59:59Z', undefined, 'stale'],
    ['a year ago', '2025-12-01T12:00:00Z', undefined, 'stale'],
    ['4 minutes ahead (clock skew)', '2026-12-01T12:04:00Z', undefined, 'fresh'],
    ['6 minutes ahead', '2026-12-01T12:06:00Z', undefined, 'future'],
    ['unreadable', 'yesterday', undefined, 'unreadable'],
    ['an hour before the installation', '2026-12-01T10:00:00Z', Date.parse('2026-12-01T11:00:00Z'), 'before_install'],
    ['a minute before the installation (skew)', '2026-12-01T10:59:00Z', Date.parse('2026-12-01T11:00:00Z'), 'fresh'],
    ['after the installation', '2026-12-01T11:30:00Z', Date.parse('2026-12-01T11:00:00Z'), 'fresh'],
    ['with no installedAt known', '2026-12-01T10:00:00Z', null, 'fresh'],
  ])('when the event occurred %s, then it is %s', (_name, occurredAt, installedAt, expected) => {
    expect(classifyWebhookAge({ ...base, occurredAt, installedAt })).toBe(expected);
  });
});
