import { GraphQLError } from 'graphql';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Principal } from '../gateway/requestContext';
import { createByteLru } from './byteLru';
import { readPersistedQueryExtension, sha256Hex } from './persistedQueryExtension';
import type { TrustedDocumentCache } from './trustedDocumentCache';

/** `run`: the document text to run (the registered one for a hash); `refuse`: the error to answer instead, with its HTTP status in `extensions.http`. */
export type DocumentAdmission = { kind: 'run'; query: string } | { kind: 'refuse'; error: GraphQLError };

export interface TrustedDocumentGateOptions {
  cache: Pick<TrustedDocumentCache, 'policy' | 'registeredText'>;
  /**
   * Automatic persisted queries (a hash sent with its text is remembered, per partner, so the next request
   * may send the hash alone): characters held, all partners together. Default 8 MiB (8388608).
   */
  apqMaxBytes?: number;
  /** Entries of that memory. Default 10000. */
  apqMaxEntries?: number;
  /** Longest text remembered that way. Default 65536 characters. */
  apqMaxQueryLength?: number;
}

export interface TrustedDocumentGate {
  /**
   * Decides which text a request runs, from its text and/or `extensions.persistedQuery.sha256Hash`
   * (lowercase hex), for this caller. At least one of the two is given.
   */
  admit(principal: Principal, query: string | null, sha256Hash: string | null): Promise<DocumentAdmission>;
}

/**
 * The one decision about a request's document, on the fast path and on Apollo's (whose own persisted
 * queries are off):
 * - a hash names a document the caller's partner registered: that text runs, for its API keys and its
 *   account sessions alike;
 * - otherwise a hash names what a caller of the same partner sent with that hash before (automatic
 *   persisted queries, in this process's memory, per partner so no tenant reads another's), else
 *   `PERSISTED_QUERY_NOT_FOUND` (Apollo's answer, on which APQ clients send the text with the hash);
 * - a text sent with a hash must hash to it (400, Apollo's message);
 * - when the partner allows only trusted documents, an account session runs registered documents only,
 *   by hash or as their exact text; anything else is OPERATION_NOT_TRUSTED (403), an unknown hash too
 *   (not PERSISTED_QUERY_NOT_FOUND: the text would be refused as well, so the client is told at once).
 * Partner keys are never restricted. The admin and anonymous callers have no partner: a hash alone is not found.
 * Reads nothing from the store for a partner key's text, and nothing while the cache holds the
 * partner's policy and the document.
 */
export function createTrustedDocumentGate(options: TrustedDocumentGateOptions): TrustedDocumentGate {
  const { cache } = options;
  const apqMaxQueryLength = options.apqMaxQueryLength ?? 65_536;
  const remembered = createByteLru<string>({ maxBytes: options.apqMaxBytes ?? 8 * 1024 * 1024, maxEntries: options.apqMaxEntries ?? 10_000 });
  const run = (query: string): DocumentAdmission => ({ kind: 'run', query });
  const refuse = (error: GraphQLError): DocumentAdmission => ({ kind: 'refuse', error });

  return {
    async admit(principal, query, sha256Hash) {
      if (query === null && sha256Hash === null) throw new TypeError('a request names its document by text or by hash');
      // The hot path of partner backends: a text alone, nothing to look up.
      if (sha256Hash === null && principal.kind !== 'session') return run(query as string);
      if (query !== null && sha256Hash !== null && sha256Hex(query) !== sha256Hash) return refuse(hashMismatch());
      const partnerId = principal.kind === 'partner' ? principal.partner.id : principal.kind === 'session' ? principal.ref.partnerId : null;
      if (partnerId === null) return query === null ? refuse(notFound()) : run(query);

      const policy = await cache.policy(partnerId);
      const enforced = principal.kind === 'session' && policy.only;
      if (query !== null) {
        if (enforced) return (await cache.registeredText(partnerId, sha256Hash ?? sha256Hex(query), policy)) === null ? refuse(notTrusted()) : run(query);
        if (sha256Hash !== null && query.length <= apqMaxQueryLength) remembered.set(`${partnerId}\u0000${sha256Hash}`, query, query.length);
        return run(query);
      }
      const hash = sha256Hash as string;
      const registered = await cache.registeredText(partnerId, hash, policy);
      if (registered !== null) return run(registered);
      if (enforced) return refuse(notTrusted());
      const text = remembered.get(`${partnerId}\u0000${hash}`);
      return text === undefined ? refuse(notFound()) : run(text);
    },
  };
}

/**
 * The Apollo path's admission (graphqlRouter's context function): the text Apollo is to run when it differs
 * from what the request carries (a hash resolved), undefined when the request runs as it came; throws the
 * refusal (a GraphQLError with its status, which Apollo answers as a failed context).
 */
export async function admitForApollo(gate: TrustedDocumentGate, principal: Principal, params: { query: string | undefined; extensions: Record<string, unknown> | undefined }): Promise<string | undefined> {
  const persisted = readPersistedQueryExtension(params.extensions);
  if (persisted.kind === 'invalid') throw badRequest(persisted.message);
  const sha256Hash = persisted.kind === 'hash' ? persisted.sha256Hash : null;
  // Neither text nor hash: Apollo's own error. A session must still name a document; Apollo's error does that.
  if (params.query === undefined && sha256Hash === null) return undefined;
  const admission = await gate.admit(principal, params.query ?? null, sha256Hash);
  if (admission.kind === 'refuse') throw admission.error;
  return admission.query === params.query ? undefined : admission.query;
}

/** Apollo's PersistedQueryNotFoundError: its message and code (what APQ clients look for), 200, not cacheable. */
function notFound(): GraphQLError {
  // Apollo reads `http.headers` as a Map (its HeaderMap is one).
  const extensions: Record<string, unknown> = {
    code: ErrorCode.PERSISTED_QUERY_NOT_FOUND,
    http: { status: 200, headers: new Map([['cache-control', 'private, no-cache, must-revalidate']]) },
  };
  return new GraphQLError('PersistedQueryNotFound', { extensions });
}

function hashMismatch(): GraphQLError {
  return badRequest('provided sha does not match query');
}

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

function notTrusted(): GraphQLError {
  const error = new GatewayError(
    ErrorCode.OPERATION_NOT_TRUSTED,
    "This account session may only run the operations its partner registered (trusted documents), sent by hash or as their exact text; this one is not registered.",
  );
  return new GraphQLError(error.message, { extensions: error.extensions, originalError: error });
}
