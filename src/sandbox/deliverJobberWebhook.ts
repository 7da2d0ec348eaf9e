import { formatJobberOccurredAt } from '../jobber/formatJobberTimestamp';
import { signJobberWebhook } from '../jobber/signJobberWebhook';
import type { SandboxApp } from './sandboxState';

export interface JobberWebhookInput {
  accountId: string;
  topic: string;
  /** The item's EncodedId; defaults to the account id (APP_* topics name the account). */
  itemId?: string;
  /** ISO 8601 with offset; defaults to now. */
  occurredAt?: string;
  /** Send the legacy misspelt `occuredAt` key instead (older apps get it). */
  legacyOccuredAt?: boolean;
}

/** How long a delivery may take before it counts as failed (ms). */
export const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * POSTs one Jobber webhook to the app's URL: Jobber's body shape (no entity data), signed with
 * `X-Jobber-Hmac-SHA256` over the exact bytes sent. Resolves with the receiver's status, or 0 when
 * it could not be reached.
 */
export async function deliverJobberWebhook(
  app: SandboxApp,
  input: JobberWebhookInput,
  nowMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<{ status: number }> {
  if (!app.webhookUrl) throw new Error(`App ${app.clientId} has no webhookUrl`);
  const occurred = input.occurredAt ?? formatJobberOccurredAt(nowMs);
  const event = {
    topic: input.topic,
    appId: app.id,
    accountId: input.accountId,
    itemId: input.itemId ?? input.accountId,
    ...(input.legacyOccuredAt ? { occuredAt: occurred } : { occurredAt: occurred }),
  };
  const body = JSON.stringify({ data: { webHookEvent: event } });
  try {
    const response = await fetchImpl(app.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-jobber-hmac-sha256': signJobberWebhook(body, app.clientSecret) },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status };
  } catch {
    return { status: 0 };
  }
}
