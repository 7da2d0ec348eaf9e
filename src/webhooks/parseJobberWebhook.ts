/** One Jobber webhook as the gateway reads it (JOBBER.md "Webhooks"). */
export interface JobberWebhookEvent {
  topic: string;
  /** Jobber's account id (an EncodedId); names the installation together with the signature. */
  jobberAccountId: string;
  appId?: string;
  itemId?: string;
  /** As Jobber sent it (`occurredAt`, or `occuredAt` from older apps). */
  occurredAt: string;
}

export type ParseJobberWebhookResult = { ok: true; event: JobberWebhookEvent } | { ok: false; reason: string };

/**
 * Reads `{"data":{"webHookEvent":{topic, appId, accountId, itemId, occurredAt}}}` from the raw body.
 * Parsing is only used to find the candidate installations; nothing is acted on before the signature
 * over these exact bytes is verified.
 */
export function parseJobberWebhook(rawBody: Buffer): ParseJobberWebhookResult {
  let value: unknown;
  try {
    value = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const hook = readObject(readObject(readObject(value)?.data)?.webHookEvent);
  if (!hook) return { ok: false, reason: 'no data.webHookEvent' };
  const topic = readString(hook.topic);
  const jobberAccountId = readString(hook.accountId);
  const occurredAt = readString(hook.occurredAt) ?? readString(hook.occuredAt);
  if (!topic || !jobberAccountId || !occurredAt) {
    return { ok: false, reason: 'webHookEvent needs topic, accountId and occurredAt' };
  }
  const event: JobberWebhookEvent = { topic, jobberAccountId, occurredAt };
  const appId = readString(hook.appId);
  const itemId = readString(hook.itemId);
  if (appId) event.appId = appId;
  if (itemId) event.itemId = itemId;
  return { ok: true, event };
}

function readObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function readString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
