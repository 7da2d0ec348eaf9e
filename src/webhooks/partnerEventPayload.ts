import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PartnerEvent } from '../core/partnerEvents';

/**
 * The JSON body POSTed to a partner's `webhookUrl`. Jobber's events have type `jobber.webhook` and
 * carry Jobber's topic, item id and time; the gateway's own events have their type
 * (`installation.disconnected`, …), null topic and item, and `occurredAt` = when they happened.
 */
export interface PartnerEventPayload {
  id: string;
  type: string;
  accountId: string;
  jobberAccountId: string | null;
  topic: string | null;
  itemId: string | null;
  occurredAt: string;
  createdAt: string;
  reason?: string;
}

export const JOBBER_EVENT_TYPE = 'jobber.webhook';
export const GATEWAY_SIGNATURE_HEADER = 'x-gateway-signature';
const STANDARD_SECRET_PREFIX = 'whsec_';

export function buildPartnerEventPayload(event: PartnerEvent, id: string, createdAtMs: number): PartnerEventPayload {
  const createdAt = new Date(createdAtMs).toISOString();
  if (event.kind === 'jobber') {
    return {
      id,
      type: JOBBER_EVENT_TYPE,
      accountId: event.ref.accountId,
      jobberAccountId: event.jobberAccountId,
      topic: event.topic,
      itemId: event.itemId ?? null,
      occurredAt: event.occurredAt,
      createdAt,
    };
  }
  return {
    id,
    type: event.type,
    accountId: event.ref.accountId,
    jobberAccountId: event.jobberAccountId ?? null,
    topic: null,
    itemId: null,
    occurredAt: createdAt,
    createdAt,
    ...(event.reason === undefined ? {} : { reason: event.reason }),
  };
}

/**
 * `X-Gateway-Signature: sha256=<hex HMAC-SHA256 of the exact body, keyed with the partner's signing secret>`.
 * Kept for receivers written before Standard Webhooks; it signs no time, so it cannot stop a replay.
 */
export function buildGatewaySignature(body: string | Buffer, signingSecret: string): string {
  return `sha256=${createHmac('sha256', signingSecret).update(body).digest('hex')}`;
}

/**
 * Standard Webhooks (standardwebhooks.com) `webhook-signature`: `v1,<base64 HMAC-SHA256 of
 * "<webhook-id>.<webhook-timestamp>.<body>">`, keyed with the bytes of the secret (`whsec_<base64>`).
 * The timestamp (unix seconds of this attempt) is signed, so a receiver that refuses old timestamps
 * (5 minutes in the reference libraries) cannot be fed a captured delivery again.
 */
export function buildStandardWebhookSignature(id: string, timestampSeconds: number, body: string, signingSecret: string): string {
  const mac = createHmac('sha256', standardWebhookKey(signingSecret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The HMAC key of a `whsec_<base64>` secret (older secrets are base64url, which Node decodes too). */
function standardWebhookKey(signingSecret: string): Buffer {
  if (!signingSecret.startsWith(STANDARD_SECRET_PREFIX)) return Buffer.from(signingSecret, 'utf8');
  return Buffer.from(signingSecret.slice(STANDARD_SECRET_PREFIX.length), 'base64');
}

/** What a partner runs to check a delivery (constant time, equal-length buffers only). */
export function isValidGatewaySignature(body: string | Buffer, signingSecret: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(buildGatewaySignature(body, signingSecret));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Delay before the next delivery attempt after `failedAttempts` failures: exponential from
 * `baseDelayMs`, capped at `maxDelayMs`, with jitter in [50%, 100%] so a burst of failures spreads out.
 * `random` is in [0, 1).
 */
export function computeRetryDelayMs(failedAttempts: number, baseDelayMs: number, maxDelayMs: number, random: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(exponent, 30));
  return Math.round(ceiling * (0.5 + random / 2));
}
