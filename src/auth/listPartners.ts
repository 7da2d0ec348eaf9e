import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Store } from '../store/store';
import { PARTNER_INDEX_KEY, toPartner, type Partner, type PartnerRecords } from './partnerRecords';
import { decodePartnersCursor, encodePartnersCursor, isAfterCursor, MAX_PARTNERS_PAGE } from './partnersCursor';

export interface PartnersPage {
  nodes: Partner[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

/**
 * One page of partners in creation order. Reads only the index entries from the cursor on (a partner
 * list can be long): partners created in the same millisecond as the cursor's are skipped by id, so
 * the read is widened until enough entries lie strictly after it. Index entries without a record
 * (a creation cut short) are skipped.
 */
export async function listPartners(
  deps: { store: Store; records: Pick<PartnerRecords, 'get'> },
  page: { first: number; after?: string | null },
): Promise<PartnersPage> {
  const { store, records } = deps;
  const { first } = page;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PARTNERS_PAGE) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `first must be from 1 to ${MAX_PARTNERS_PAGE}.`);
  }
  const after = page.after ? decodePartnersCursor(page.after) : undefined;
  if (page.after && !after) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'after is not a cursor of this list.');

  let extra = 16;
  let entries: { member: string; score: number }[];
  for (;;) {
    const limit = first + 1 + extra;
    const read = await store.zRangeByScore(PARTNER_INDEX_KEY, after?.score ?? Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, limit);
    entries = after ? read.filter((entry) => isAfterCursor(entry, after)) : read;
    if (read.length < limit || entries.length > first) break;
    extra *= 4;
  }
  const selected = entries.slice(0, first);
  const found = await Promise.all(selected.map((entry) => records.get(entry.member)));
  const nodes = found.flatMap((record) => (record ? [toPartner(record)] : []));
  const last = selected[selected.length - 1];
  return {
    nodes,
    pageInfo: { hasNextPage: entries.length > first, endCursor: last ? encodePartnersCursor({ score: last.score, id: last.member }) : null },
    totalCount: await store.zCard(PARTNER_INDEX_KEY),
  };
}
