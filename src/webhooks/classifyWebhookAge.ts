export type WebhookAge = 'fresh' | 'stale' | 'future' | 'unreadable' | 'before_install';

export interface WebhookAgeInput {
  /** The event's `occurredAt` as Jobber sent it. */
  occurredAt: string;
  /** The verified installation's `installedAt` (ms), when known. */
  installedAt?: number | null;
  now: number;
  /** Oldest event acted on, ms. */
  maxAgeMs: number;
  /** Clock difference tolerated between Jobber and the gateway, ms. */
  skewMs: number;
}

/**
 * Whether a verified Jobber webhook is acted on. A signed event can be captured and sent again: the
 * dedupe record catches a replay while it lives, and this bound catches one after it expired (the
 * dedupe TTL is kept longer than `maxAgeMs` + `skewMs`). An event from before the installation it names
 * belongs to an earlier install (e.g. an old APP_DISCONNECT sent again after a reinstall). Pure.
 */
export function classifyWebhookAge(input: WebhookAgeInput): WebhookAge {
  const occurred = Date.parse(input.occurredAt);
  if (Number.isNaN(occurred)) return 'unreadable';
  if (occurred > input.now + input.skewMs) return 'future';
  if (input.now - occurred > input.maxAgeMs) return 'stale';
  if (input.installedAt !== undefined && input.installedAt !== null && occurred < input.installedAt - input.skewMs) return 'before_install';
  return 'fresh';
}
