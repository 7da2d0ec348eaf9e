import { decodePartnersCursor, encodePartnersCursor, isAfterCursor } from '../auth/partnersCursor';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Store } from './store';

/** A page of a list kept as a sorted-set index (score, then member), in the local schema's connection shape. */
export interface IndexPage<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

export interface IndexPageOptions<T> {
  /** Largest `first` accepted; `first` outside 1..maxFirst is BAD_USER_INPUT. */
  maxFirst: number;
  /** The record of one index member; null when it is gone (an entry whose write was cut short is skipped). */
  load(member: string): Promise<T | null | undefined>;
}

/**
 * One page of the sorted-set index at `key`, from the cursor on (partnersCursor.ts: `<score>:<member>`).
 * Reads only the index entries from the cursor's score on (a list can be long); entries that share the
 * cursor's score are skipped by member, so the read is widened until enough lie strictly after it.
 */
export async function readIndexPage<T>(store: Store, key: string, page: { first: number; after?: string | null }, options: IndexPageOptions<T>): Promise<IndexPage<T>> {
  const { first } = page;
  if (!Number.isInteger(first) || first < 1 || first > options.maxFirst) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `first must be from 1 to ${options.maxFirst}.`);
  }
  const after = page.after ? decodePartnersCursor(page.after) : undefined;
  if (page.after && !after) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'after is not a cursor of this list.');

  let extra = 16;
  let entries: { member: string; score: number }[];
  for (;;) {
    const limit = first + 1 + extra;
    const read = await store.zRangeByScore(key, after?.score ?? Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, limit);
    entries = after ? read.filter((entry) => isAfterCursor(entry, after)) : read;
    if (read.length < limit || entries.length > first) break;
    extra *= 4;
  }
  const selected = entries.slice(0, first);
  const found = await Promise.all(selected.map((entry) => options.load(entry.member)));
  const last = selected[selected.length - 1];
  return {
    nodes: found.flatMap((node) => (node === null || node === undefined ? [] : [node])),
    pageInfo: { hasNextPage: entries.length > first, endCursor: last ? encodePartnersCursor({ score: last.score, id: last.member }) : null },
    totalCount: await store.zCard(key),
  };
}
