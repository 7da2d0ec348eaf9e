import { createHash } from 'node:crypto';

/**
 * `extensions.persistedQuery` as Apollo Client's persisted-queries link and urql's persisted exchange send
 * it: `{ version: 1, sha256Hash: "<64 hex>" }` (urql adds `miss: true` to its retry with the text; other
 * keys are ignored, as Apollo ignores them).
 * - `none`: no persisted query (absent or null, as Apollo treats a falsy one);
 * - `hash`: the lowercase hex SHA-256 the client says names its document;
 * - `invalid`: what to answer instead (400, Apollo's BAD_REQUEST): a version other than 1, or a hash that is
 *   not a SHA-256 hex digest (documents are registered under their SHA-256 only).
 */
export type PersistedQueryExtension = { kind: 'none' } | { kind: 'hash'; sha256Hash: string } | { kind: 'invalid'; message: string };

/** Reads the persisted query of a request's `extensions` (already checked to be an object, or absent). */
export function readPersistedQueryExtension(extensions: Record<string, unknown> | null | undefined): PersistedQueryExtension {
  const persisted = extensions?.persistedQuery;
  if (!persisted) return { kind: 'none' };
  if (typeof persisted !== 'object' || Array.isArray(persisted)) return { kind: 'invalid', message: 'extensions.persistedQuery must be an object.' };
  const { version, sha256Hash } = persisted as Record<string, unknown>;
  // Apollo Server's own message for this case, so clients written against it see the same.
  if (version !== 1) return { kind: 'invalid', message: 'Unsupported persisted query version' };
  if (typeof sha256Hash !== 'string' || !isSha256Hex(sha256Hash)) {
    return { kind: 'invalid', message: 'extensions.persistedQuery.sha256Hash must be the SHA-256 of the document as 64 hexadecimal characters.' };
  }
  return { kind: 'hash', sha256Hash: sha256Hash.toLowerCase() };
}

export function isSha256Hex(value: string): boolean {
  return /^[0-9a-fA-F]{64}$/.test(value);
}

/** The lowercase hex SHA-256 of a document's exact text (UTF-8), what Apollo Client and urql compute. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
