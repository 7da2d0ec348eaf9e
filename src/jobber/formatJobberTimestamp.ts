/** Jobber's `expires_at` format in token responses: "2024-04-09 21:04:31 UTC". */
export function formatJobberTimestamp(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Webhook `occurredAt` format, ISO 8601 with an explicit offset and no milliseconds ("2021-08-12T22:31:36+00:00"). */
export function formatJobberOccurredAt(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}+00:00`;
}
