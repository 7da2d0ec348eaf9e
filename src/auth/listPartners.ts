import type { Store } from '../store/store';
import { PARTNER_INDEX_KEY, toPartner, type Partner, type PartnerRecords } from './partnerRecords';
import { readIndexPage, type IndexPage } from '../store/readIndexPage';
import { MAX_PARTNERS_PAGE } from './partnersCursor';

export type PartnersPage = IndexPage<Partner>;

/**
 * One page of partners in creation order (readIndexPage: partners created in the same millisecond are
 * ordered by id). Index entries without a record (a creation cut short) are skipped.
 */
export async function listPartners(
  deps: { store: Store; records: Pick<PartnerRecords, 'get'> },
  page: { first: number; after?: string | null },
): Promise<PartnersPage> {
  const { store, records } = deps;
  return readIndexPage(store, PARTNER_INDEX_KEY, page, {
    maxFirst: MAX_PARTNERS_PAGE,
    load: async (id) => {
      const record = await records.get(id);
      return record ? toPartner(record) : null;
    },
  });
}
