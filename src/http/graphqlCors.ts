import type { ServerResponse } from 'node:http';

/**
 * CORS for `/graphql` is open: callers authenticate with bearer tokens (no cookies), so any origin may
 * call it, and frontends can use account sessions.
 */
export const GRAPHQL_CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, x-account-id, apollo-require-preflight',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
});

export function setGraphqlCorsHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(GRAPHQL_CORS_HEADERS)) res.setHeader(name, value);
}
