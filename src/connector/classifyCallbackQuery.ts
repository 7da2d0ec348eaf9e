/**
 * What Jobber's redirect to `/connector/callback` means, from its query alone (JOBBER.md "OAuth"):
 * - approved: `code` and `state`;
 * - denied: no parameters at all (Jobber sends no `error=`); an `error` parameter is read the same way;
 * - Marketplace install: a `code` without `state` (the install did not start from the partner's product);
 * - anything else (repeated or empty parameters, a state without a code) is malformed.
 * Pure.
 */
export type CallbackQuery =
  | { kind: 'approved'; code: string; state: string }
  | { kind: 'denied' }
  | { kind: 'marketplace' }
  | { kind: 'malformed' };

/** Longest code or state accepted; real ones are far shorter, and a bound keeps junk out of the store. */
const MAX_PARAM_LENGTH = 2048;

function readParam(query: Record<string, unknown>, name: string): string | undefined | null {
  const value = query[name];
  if (value === undefined) return undefined;
  // Arrays (repeated parameters) and objects (qs-style nesting) are never legitimate here.
  if (typeof value !== 'string' || value === '' || value.length > MAX_PARAM_LENGTH) return null;
  return value;
}

export function classifyCallbackQuery(query: Record<string, unknown>): CallbackQuery {
  const code = readParam(query, 'code');
  const state = readParam(query, 'state');
  if (code === null || state === null) return { kind: 'malformed' };
  // Standard OAuth servers deny with `error` (and echo `state`); Jobber with nothing at all.
  if (code === undefined && (query.error !== undefined || Object.keys(query).length === 0)) return { kind: 'denied' };
  if (code === undefined && state === undefined) return { kind: 'malformed' };
  if (code !== undefined && state === undefined) return { kind: 'marketplace' };
  if (code === undefined || state === undefined) return { kind: 'malformed' };
  return { kind: 'approved', code, state };
}
