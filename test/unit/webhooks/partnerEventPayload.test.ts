import { createHmac } from 'node:crypto';
import type { PartnerEvent } from '../../../src/core/partnerEvents';
import { buildDedupeKey } from '../../../src/webhooks/jobberWebhookRouter';
import {
  buildGatewaySignature,
  buildPartnerEventPayload,
  computeRetryDelayMs,
  isValidGatewaySignature,
} from '../../../src/webhooks/partnerEventPayload';

const ref = { partnerId: 'p1', accountId: 'acct-1' };
const T0 = Date.parse('2026-01-02T03:04:05.000Z');

describe('buildPartnerEventPayload', () => {
  test.each<[string, PartnerEvent, Record<string, unknown>]>([
    [
      'a Jobber event',
      { kind: 'jobber', ref, jobberAccountId: 'J1', topic: 'CLIENT_CREATE', itemId: 'I1', occurredAt: '2021-08-12T16:31:36-06:00' },
      { type: 'jobber.webhook', jobberAccountId: 'J1', topic: 'CLIENT_CREATE', itemId: 'I1', occurredAt: '2021-08-12T16:31:36-06:00' },
    ],
    [
      'a Jobber event without item',
      { kind: 'jobber', ref, jobberAccountId: 'J1', topic: 'APP_DISCONNECT', occurredAt: 't' },
      { type: 'jobber.webhook', jobberAccountId: 'J1', topic: 'APP_DISCONNECT', itemId: null, occurredAt: 't' },
    ],
    [
      'a gateway event with a reason',
      { kind: 'gateway', type: 'installation.reauthorization_required', ref, jobberAccountId: 'J1', reason: 'refresh refused' },
      {
        type: 'installation.reauthorization_required',
        jobberAccountId: 'J1',
        topic: null,
        itemId: null,
        occurredAt: '2026-01-02T03:04:05.000Z',
        reason: 'refresh refused',
      },
    ],
    [
      'a gateway event without Jobber account',
      { kind: 'gateway', type: 'installation.installed', ref },
      { type: 'installation.installed', jobberAccountId: null, topic: null, itemId: null, occurredAt: '2026-01-02T03:04:05.000Z' },
    ],
  ])('when it is %s, then the payload names the account and the event', (_name, event, expected) => {
    expect(buildPartnerEventPayload(event, 'id-1', T0)).toEqual({
      id: 'id-1',
      accountId: 'acct-1',
      createdAt: '2026-01-02T03:04:05.000Z',
      ...expected,
    });
  });
});

describe('gateway signature', () => {
  const body = '{"id":"1"}';
  const secret = 'whsec_test';
  const good = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  test('when signing, then it is sha256= and the hex HMAC of the body', () => {
    expect(buildGatewaySignature(body, secret)).toBe(good);
  });

  test.each([
    ['the right signature', good, true],
    ['a signature over another body', buildGatewaySignature('{"id":"2"}', secret), false],
    ['a signature with another secret', buildGatewaySignature(body, 'other'), false],
    ['a truncated signature', good.slice(0, -2), false],
    ['no signature', undefined, false],
  ])('when a partner checks %s, then it is accepted only if genuine', (_name, header, expected) => {
    expect(isValidGatewaySignature(body, secret, header)).toBe(expected);
  });
});

describe('computeRetryDelayMs', () => {
  test.each([
    [1, 0, 500],
    [1, 0.999999, 1000],
    [2, 0, 1000],
    [3, 0.5, 3000],
    [8, 0, 64000],
    [20, 0, 1_800_000],
    [0, 0, 500],
  ])('when %i attempts failed with jitter %f, then the delay is %i ms', (failed, random, expected) => {
    expect(computeRetryDelayMs(failed, 1000, 3_600_000, random)).toBe(expected);
  });
});

describe('buildDedupeKey', () => {
  const event = { topic: 'CLIENT_CREATE', jobberAccountId: 'J1', itemId: 'I1', occurredAt: 't1' };
  test.each([
    ['another topic', { ...event, topic: 'CLIENT_UPDATE' }, ref],
    ['another item', { ...event, itemId: 'I2' }, ref],
    ['another time', { ...event, occurredAt: 't2' }, ref],
    ['another installation (another partner app in the same Jobber account)', event, { partnerId: 'p2', accountId: 'acct-1' }],
  ])('when the event differs by %s, then the key differs', (_name, other, otherRef) => {
    expect(buildDedupeKey(otherRef, other)).not.toBe(buildDedupeKey(ref, event));
  });

  test('when the same event arrives with another appId, then the key is the same', () => {
    expect(buildDedupeKey(ref, { ...event, appId: 'x' })).toBe(buildDedupeKey(ref, event));
  });
});
