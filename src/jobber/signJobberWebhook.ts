import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Jobber's webhook signature: base64 of HMAC-SHA256 over the RAW body bytes, keyed with the app's
 * client secret (header `X-Jobber-Hmac-SHA256`). Sign the exact bytes sent/received: re-serialising
 * parsed JSON changes them.
 */
export function signJobberWebhook(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** Constant-time check of a received `X-Jobber-Hmac-SHA256` header against the raw body. */
export function isValidJobberWebhookSignature(
  rawBody: Buffer | string,
  secret: string,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(signJobberWebhook(rawBody, secret));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
