/**
 * Cursor pagination of a partner's installations (DESIGN.md local schema `connectorInstallations`).
 * Installations are ordered by account id (byte order, as the store's sorted set orders equal scores);
 * the cursor is the opaque base64url of the last account id of a page. Pure.
 */

/** Jobber's own page limit, kept for the gateway's lists too. */
export const MAX_INSTALLATIONS_PAGE = 100;

export function encodeInstallationsCursor(accountId: string): string {
  return Buffer.from(accountId, 'utf8').toString('base64url');
}

/** The account id inside a cursor, or undefined when it is not one of ours. */
export function decodeInstallationsCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const accountId = Buffer.from(cursor, 'base64url').toString('utf8');
  // Round-trip check: rejects non-canonical encodings and anything that was not an account id.
  return /^[A-Za-z0-9._:-]{1,128}$/.test(accountId) && encodeInstallationsCursor(accountId) === cursor ? accountId : undefined;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * One page of `sortedIds` (already filtered, in store order): the ids strictly after `after`, at most
 * `first` of them. Works even when `after` names an id that no longer exists.
 */
export function selectInstallationsPage(
  sortedIds: readonly string[],
  options: { first: number; after?: string },
): { ids: string[]; hasNextPage: boolean; endCursor: string | null } {
  const { after } = options;
  const rest = after === undefined ? sortedIds : sortedIds.filter((id) => compareBytes(id, after) > 0);
  const ids = rest.slice(0, options.first);
  const last = ids[ids.length - 1];
  return { ids, hasNextPage: rest.length > ids.length, endCursor: last === undefined ? null : encodeInstallationsCursor(last) };
}
