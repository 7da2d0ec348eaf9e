import { randomUUID } from 'node:crypto';

/** What a client's `X-Request-Id` may be: 1-128 characters of [A-Za-z0-9._:-] (safe in logs and headers). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id of one request: the client's `X-Request-Id` when it is valid, else a new UUID.
 * A repeated header (Node joins it with ", ") or anything else is replaced, never echoed.
 */
export function resolveRequestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}
