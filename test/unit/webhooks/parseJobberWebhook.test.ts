import { parseJobberWebhook } from '../../../src/webhooks/parseJobberWebhook';

const body = (value: unknown): Buffer => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const hook = (fields: Record<string, unknown>) => ({ data: { webHookEvent: fields } });

describe('parseJobberWebhook', () => {
  test.each([
    [
      'a complete event',
      hook({ topic: 'CLIENT_CREATE', appId: 'app', accountId: 'acc', itemId: 'item', occurredAt: '2021-08-12T16:31:36-06:00' }),
      { topic: 'CLIENT_CREATE', appId: 'app', jobberAccountId: 'acc', itemId: 'item', occurredAt: '2021-08-12T16:31:36-06:00' },
    ],
    [
      'the older spelling occuredAt',
      hook({ topic: 'JOB_CLOSED', accountId: 'acc', itemId: 'item', occuredAt: '2021-08-12T16:31:36-06:00' }),
      { topic: 'JOB_CLOSED', jobberAccountId: 'acc', itemId: 'item', occurredAt: '2021-08-12T16:31:36-06:00' },
    ],
    [
      'an event without item (APP_DISCONNECT)',
      hook({ topic: 'APP_DISCONNECT', accountId: 'acc', occurredAt: 't' }),
      { topic: 'APP_DISCONNECT', jobberAccountId: 'acc', occurredAt: 't' },
    ],
  ])('when the body is %s, then the event is read', (_name, value, expected) => {
    expect(parseJobberWebhook(body(value))).toEqual({ ok: true, event: expected });
  });

  test.each([
    ['not JSON', '{nope'],
    ['JSON without data', { other: 1 }],
    ['an array', [1, 2]],
    ['missing the topic', hook({ accountId: 'acc', occurredAt: 't' })],
    ['missing the account', hook({ topic: 'CLIENT_CREATE', occurredAt: 't' })],
    ['missing the time', hook({ topic: 'CLIENT_CREATE', accountId: 'acc' })],
    ['an empty body', ''],
  ])('when the body is %s, then it is refused', (_name, value) => {
    expect(parseJobberWebhook(body(value)).ok).toBe(false);
  });
});
