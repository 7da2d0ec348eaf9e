import type { Clock } from '../core/deps';
import { buildPartnerKey } from '../core/installationRef';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import { readIndexPage, type IndexPage } from '../store/readIndexPage';
import type { Store } from '../store/store';

/** One registered operation document of a partner: immutable, named by the SHA-256 of its text. */
export interface TrustedDocument {
  sha256Hash: string;
  body: string;
  /** The operation's name as the manifest gave it (or the document's first operation name); informative only. */
  name: string | null;
  registeredAt: Date;
}

/**
 * The partner's switch and the version of its document list:
 * - `only`: account sessions may run registered documents only;
 * - `generation`: bumped by every registration and every removal, so a process that
 *   remembers "hash X is (not) registered" knows when to look again.
 */
export interface TrustedDocumentPolicy {
  only: boolean;
  generation: number;
}

export type TrustedDocumentsPage = IndexPage<TrustedDocument>;

export interface TrustedDocumentStore {
  readPolicy(partnerId: string): Promise<TrustedDocumentPolicy>;
  setOnly(partnerId: string, only: boolean): Promise<void>;
  /** The registered document, or null. */
  read(partnerId: string, sha256Hash: string): Promise<TrustedDocument | null>;
  /**
   * Registers documents (already checked) and returns each one as stored: one registered before keeps its
   * first name and date. Refuses (BAD_USER_INPUT, nothing added) when the partner would hold more than
   * `maxDocuments`.
   */
  add(partnerId: string, documents: readonly { sha256Hash: string; body: string; name: string | null }[], maxDocuments: number): Promise<TrustedDocument[]>;
  /** Removes documents by hash; returns how many were registered. */
  remove(partnerId: string, hashes: readonly string[]): Promise<number>;
  /** Documents in registration order (ties by hash), `first` from 1 to 100. */
  list(partnerId: string, page: { first: number; after?: string | null }): Promise<TrustedDocumentsPage>;
  count(partnerId: string): Promise<number>;
}

interface StoredDocument {
  body: string;
  name: string | null;
  registeredAt: number;
}

export const MAX_TRUSTED_DOCUMENTS_PAGE = 100;

/** The sorted set of a partner's document hashes, scored by registration time (ms). */
const indexKey = (partnerId: string) => buildPartnerKey(partnerId, 'trusted-documents');
const documentKey = (partnerId: string, hash: string) => buildPartnerKey(partnerId, `trusted-document:${hash}`);
const onlyKey = (partnerId: string) => buildPartnerKey(partnerId, 'trusted-documents-only');
const generationKey = (partnerId: string) => buildPartnerKey(partnerId, 'trusted-documents-generation');

/**
 * Trusted documents in the store, per partner under its hash tag (`jg:{p:<partner>}:…`): the index, one
 * record per document, the switch and the generation. A document's record is written before its index
 * entry and the generation is bumped last, so a process that reads the generation and then a document
 * never caches a state older than that generation.
 */
export function createTrustedDocumentStore(options: { store: Store; clock: Clock }): TrustedDocumentStore {
  const { store, clock } = options;

  const toDocument = (sha256Hash: string, stored: StoredDocument): TrustedDocument => ({
    sha256Hash,
    body: stored.body,
    name: stored.name,
    registeredAt: new Date(stored.registeredAt),
  });

  async function read(partnerId: string, sha256Hash: string): Promise<TrustedDocument | null> {
    const raw = await store.get(documentKey(partnerId, sha256Hash));
    return raw ? toDocument(sha256Hash, JSON.parse(raw) as StoredDocument) : null;
  }

  return {
    async readPolicy(partnerId) {
      const [only, generation] = await store.mget([onlyKey(partnerId), generationKey(partnerId)]);
      return { only: only === '1', generation: generation ? Number(generation) || 0 : 0 };
    },

    async setOnly(partnerId, only) {
      if (only) await store.set(onlyKey(partnerId), '1');
      else await store.del(onlyKey(partnerId));
    },

    read,

    async add(partnerId, documents, maxDocuments) {
      const now = clock.now();
      const existing = await store.mget(documents.map((document) => documentKey(partnerId, document.sha256Hash)));
      const fresh = documents.filter((document, index) => existing[index] === null && documents.findIndex((d) => d.sha256Hash === document.sha256Hash) === index);
      if (fresh.length > 0) {
        const held = await store.zCard(indexKey(partnerId));
        if (held + fresh.length > maxDocuments) throw tooMany(maxDocuments, held, fresh.length);
        for (const document of fresh) {
          const stored: StoredDocument = { body: document.body, name: document.name, registeredAt: now };
          // A record that appeared meanwhile (a concurrent registration of the same text) is kept as it is.
          await store.set(documentKey(partnerId, document.sha256Hash), JSON.stringify(stored), { onlyIfAbsent: true });
          await store.zAdd(indexKey(partnerId), now, document.sha256Hash);
        }
        // Two registrations at once may both have passed the count: the one that finds too many takes its own back.
        const after = await store.zCard(indexKey(partnerId));
        if (after > maxDocuments) {
          await removeDocuments(partnerId, fresh.map((document) => document.sha256Hash));
          throw tooMany(maxDocuments, after - fresh.length, fresh.length);
        }
      }
      // Bumped even when nothing was new: a registration cut short before its bump is completed by the next one.
      await store.incr(generationKey(partnerId));
      const stored = await store.mget(documents.map((document) => documentKey(partnerId, document.sha256Hash)));
      return documents.map((document, index) => {
        const raw = stored[index];
        return raw ? toDocument(document.sha256Hash, JSON.parse(raw) as StoredDocument) : { ...document, registeredAt: new Date(now) };
      });
    },

    async remove(partnerId, hashes) {
      const removed = await removeDocuments(partnerId, hashes);
      await store.incr(generationKey(partnerId));
      return removed;
    },

    // Documents registered in one call share a score: readIndexPage orders them by hash.
    list: (partnerId, page) => readIndexPage(store, indexKey(partnerId), page, { maxFirst: MAX_TRUSTED_DOCUMENTS_PAGE, load: (hash) => read(partnerId, hash) }),

    count: (partnerId) => store.zCard(indexKey(partnerId)),
  };

  async function removeDocuments(partnerId: string, hashes: readonly string[]): Promise<number> {
    let removed = 0;
    for (const hash of new Set(hashes)) {
      // The index entry goes first: a document no longer listed is no longer counted, whatever happens next.
      if (await store.zRem(indexKey(partnerId), hash)) removed++;
      await store.del(documentKey(partnerId, hash));
    }
    return removed;
  }
}

function tooMany(maxDocuments: number, held: number, adding: number): GatewayError {
  return new GatewayError(
    ErrorCode.BAD_USER_INPUT,
    `A partner may register at most ${maxDocuments} trusted documents: ${held} are registered and this call adds ${adding}. Remove unused ones first (removeTrustedDocuments).`,
    { extensions: { maximumDocuments: maxDocuments } },
  );
}
