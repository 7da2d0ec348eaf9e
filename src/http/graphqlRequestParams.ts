import { readPersistedQueryExtension } from '../trusted/persistedQueryExtension';

/** The GraphQL request of one HTTP request, as the fast path takes it. */
export interface GraphqlParams {
  /** The document's text; null when only its hash was sent (a persisted query). */
  query: string | null;
  /** `extensions.persistedQuery.sha256Hash` (lowercase hex), or null when none was sent. */
  sha256Hash: string | null;
  variables: Record<string, unknown> | null;
  operationName: string | null;
}

/**
 * `params`: a request the fast path can run as Apollo would; `apollo`: anything Apollo treats specially
 * or refuses (no query nor hash, fields of the wrong type, a malformed persisted query, repeated URL
 * parameters...): Apollo answers it, with its own errors.
 */
export type ParamsOutcome = { kind: 'params'; params: GraphqlParams } | { kind: 'apollo'; reason: string };

/**
 * A POST body (parsed JSON). Keys other than the four of GraphQL over HTTP are ignored, as Apollo does;
 * of `extensions` only `persistedQuery` is read (Apollo Client also sends `clientLibrary`), and nothing
 * in it reaches Jobber (stitching does not send it either).
 */
export function paramsFromBody(body: unknown): ParamsOutcome {
  if (!isRecord(body)) return { kind: 'apollo', reason: 'the body is not a JSON object' };
  return check(body.query, body.variables, body.operationName, body.extensions);
}

/** A GET's URL search string (without the `?`): each parameter at most once, variables and extensions JSON objects. */
export function paramsFromSearch(search: string): ParamsOutcome {
  const params = new URLSearchParams(search);
  const once = (name: string): string | undefined | null => {
    const values = params.getAll(name);
    return values.length > 1 ? null : values[0];
  };
  const query = once('query');
  const operationName = once('operationName');
  const variables = once('variables');
  const extensions = once('extensions');
  if (query === null || operationName === null || variables === null || extensions === null) return { kind: 'apollo', reason: 'a repeated URL parameter' };
  const json = (text: string | undefined): unknown => {
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return Symbol.for('invalid');
    }
  };
  return check(query, json(variables), operationName, json(extensions));
}

function check(query: unknown, variables: unknown, operationName: unknown, extensions: unknown): ParamsOutcome {
  if (extensions !== undefined && extensions !== null && !isRecord(extensions)) return { kind: 'apollo', reason: 'extensions is not an object' };
  const persisted = readPersistedQueryExtension(extensions as Record<string, unknown> | null | undefined);
  if (persisted.kind === 'invalid') return { kind: 'apollo', reason: 'a malformed persisted query' };
  const sha256Hash = persisted.kind === 'hash' ? persisted.sha256Hash : null;
  // With a hash the text may be left out (absent or null, as Apollo reads it; an empty one is checked against the hash).
  const hashOnly = sha256Hash !== null && (query === undefined || query === null);
  if (!hashOnly && (typeof query !== 'string' || query === '')) return { kind: 'apollo', reason: 'no query' };
  if (variables !== undefined && variables !== null && !isRecord(variables)) return { kind: 'apollo', reason: 'variables is not an object' };
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return { kind: 'apollo', reason: 'operationName is not a string' };
  return {
    kind: 'params',
    params: { query: hashOnly ? null : (query as string), sha256Hash, variables: (variables ?? null) as Record<string, unknown> | null, operationName: (operationName ?? null) as string | null },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the Apollo path needs to admit a request's document (trusted documents): its text and persisted
 * query, read the way Apollo reads them (a POST's parsed body; a GET's `query` and `extensions` URL
 * parameters). Anything Apollo refuses by itself (a repeated parameter, extensions that are not an
 * object) reads as no text and no persisted query: Apollo answers it.
 */
export function documentParamsForApollo(method: string, body: unknown, search: string): { query: string | undefined; extensions: Record<string, unknown> | undefined } {
  if (method === 'GET') {
    const params = new URLSearchParams(search);
    const query = params.getAll('query');
    const extensions = params.getAll('extensions');
    let parsed: unknown;
    try {
      parsed = extensions.length === 1 ? JSON.parse(extensions[0] as string) : undefined;
    } catch {
      parsed = undefined;
    }
    return { query: query.length === 1 ? query[0] : undefined, extensions: isRecord(parsed) ? parsed : undefined };
  }
  if (!isRecord(body)) return { query: undefined, extensions: undefined };
  return { query: typeof body.query === 'string' ? body.query : undefined, extensions: isRecord(body.extensions) ? body.extensions : undefined };
}
