import { isSha256Hex } from './persistedQueryExtension';

/** One document of a manifest, as registerTrustedDocuments takes it. */
export interface ManifestDocument {
  body: string;
  sha256Hash: string;
  name: string | null;
}

export type ManifestParse = { ok: true; format: 'apollo' | 'codegen'; documents: ManifestDocument[] } | { ok: false; message: string };

/**
 * Reads a persisted-documents manifest (parsed JSON) in either standard format:
 * - Apollo's persisted query manifest, written by @apollo/generate-persisted-query-manifest:
 *   `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "body", "name", "type" }] }`;
 * - GraphQL Codegen's client preset `persisted-documents.json`: `{ "<sha256 hex>": "<body>" }`.
 * Ids must be SHA-256 hex digests (both tools' default): the gateway checks each against its body. Pure.
 */
export function parseDocumentManifest(json: unknown): ManifestParse {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, message: 'The manifest must be a JSON object.' };
  const record = json as Record<string, unknown>;
  if ('format' in record || 'operations' in record) return parseApolloManifest(record);
  const documents: ManifestDocument[] = [];
  for (const [hash, body] of Object.entries(record)) {
    if (!isSha256Hex(hash)) return { ok: false, message: `"${hash.slice(0, 80)}" is not a SHA-256 hex digest: expected Apollo's manifest or GraphQL Codegen's persisted-documents.json ({ "<sha256>": "<body>" }).` };
    if (typeof body !== 'string' || body === '') return { ok: false, message: `The document of ${hash} must be a non-empty string.` };
    documents.push({ body, sha256Hash: hash.toLowerCase(), name: null });
  }
  if (documents.length === 0) return { ok: false, message: 'The manifest holds no documents.' };
  return { ok: true, format: 'codegen', documents };
}

function parseApolloManifest(record: Record<string, unknown>): ManifestParse {
  if (record.format !== 'apollo-persisted-query-manifest') return { ok: false, message: 'format must be "apollo-persisted-query-manifest".' };
  if (record.version !== 1) return { ok: false, message: 'Only version 1 of Apollo\'s persisted query manifest is known.' };
  if (!Array.isArray(record.operations)) return { ok: false, message: 'operations must be an array.' };
  const documents: ManifestDocument[] = [];
  for (const [index, operation] of (record.operations as unknown[]).entries()) {
    const { id, body, name } = (typeof operation === 'object' && operation !== null ? operation : {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !isSha256Hex(id)) return { ok: false, message: `operations[${index}].id must be a SHA-256 hex digest (the generator's default createOperationId).` };
    if (typeof body !== 'string' || body === '') return { ok: false, message: `operations[${index}].body must be a non-empty string.` };
    documents.push({ body, sha256Hash: id.toLowerCase(), name: typeof name === 'string' && name !== '' ? name : null });
  }
  if (documents.length === 0) return { ok: false, message: 'The manifest holds no operations.' };
  return { ok: true, format: 'apollo', documents };
}

/**
 * Splits documents into registerTrustedDocuments calls: at most `maxDocuments` each and, past the first
 * document of a batch, at most `maxBytes` of bodies (the gateway's request body limit is 1 MiB).
 */
export function batchManifestDocuments(documents: readonly ManifestDocument[], maxDocuments = 100, maxBytes = 512 * 1024): ManifestDocument[][] {
  const batches: ManifestDocument[][] = [];
  let current: ManifestDocument[] = [];
  let bytes = 0;
  for (const document of documents) {
    const size = Buffer.byteLength(document.body, 'utf8');
    if (current.length > 0 && (current.length >= maxDocuments || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(document);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
