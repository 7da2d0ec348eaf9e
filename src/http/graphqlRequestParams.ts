/** The GraphQL request of one HTTP request, as the fast path takes it. */
export interface GraphqlParams {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
}

/**
 * `params`: a request the fast path can run as Apollo would; `apollo`: anything Apollo treats specially
 * or refuses (no query, fields of the wrong type, a persisted query, repeated URL parameters...): Apollo
 * answers it, with its own errors.
 */
export type ParamsOutcome = { kind: 'params'; params: GraphqlParams } | { kind: 'apollo'; reason: string };

/**
 * A POST body (parsed JSON). Keys other than the four of GraphQL over HTTP are ignored, as Apollo does;
 * `extensions` may carry anything but `persistedQuery` (Apollo Client sends `clientLibrary`), and
 * nothing in it reaches Jobber (stitching does not send it either).
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
  if (typeof query !== 'string' || query === '') return { kind: 'apollo', reason: 'no query' };
  if (variables !== undefined && variables !== null && !isRecord(variables)) return { kind: 'apollo', reason: 'variables is not an object' };
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return { kind: 'apollo', reason: 'operationName is not a string' };
  if (extensions !== undefined && extensions !== null) {
    if (!isRecord(extensions)) return { kind: 'apollo', reason: 'extensions is not an object' };
    if ('persistedQuery' in extensions) return { kind: 'apollo', reason: 'a persisted query' };
  }
  return { kind: 'params', params: { query, variables: (variables ?? null) as Record<string, unknown> | null, operationName: (operationName ?? null) as string | null } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
