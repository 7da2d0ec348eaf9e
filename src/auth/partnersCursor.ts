/**
 * Cursor pagination of the admin's partner list: partners in creation order (score = createdAt ms,
 * ties by id, as the store's sorted set orders them). The cursor is the opaque base64url of
 * `<score>:<id>` of the last partner of a page. Pure.
 */

export const MAX_PARTNERS_PAGE = 100;

export interface PartnersCursor {
  score: number;
  id: string;
}

export function encodePartnersCursor(cursor: PartnersCursor): string {
  return Buffer.from(`${cursor.score}:${cursor.id}`, 'utf8').toString('base64url');
}

/** The position inside a cursor, or undefined when it is not one of ours. */
export function decodePartnersCursor(cursor: string): PartnersCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const match = /^(\d{1,16}):([A-Za-z0-9-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2]) return undefined;
  const decoded = { score: Number(match[1]), id: match[2] };
  return encodePartnersCursor(decoded) === cursor ? decoded : undefined;
}

/** Whether an index entry comes strictly after the cursor (score, then id in byte order). */
export function isAfterCursor(entry: { member: string; score: number }, after: PartnersCursor): boolean {
  if (entry.score !== after.score) return entry.score > after.score;
  return Buffer.compare(Buffer.from(entry.member), Buffer.from(after.id)) > 0;
}
