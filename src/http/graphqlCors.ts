import type { ServerResponse } from 'node:http';

/**
 * CORS for `/graphql` is open: callers authenticate with bearer tokens (no cookies), so any origin may
 * call it, and frontends can use account sessions.
 */
export function setGraphqlCorsHeaders(res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-allow-headers', 'authorization, content-type, x-account-id, apollo-require-preflight');
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
}
