import type { GraphqlPath, RouteLabel } from './gatewayMetrics';

/** Longest path written to an access log line; a longer one is cut (it is the client's text). */
const MAX_LOGGED_PATH = 200;

/**
 * The route label of a request URL, matched like express does (any case, one optional trailing slash,
 * any query string); everything else is `other`, so labels stay bounded.
 */
export function routeOf(url: string | undefined): RouteLabel {
  if (url === undefined) return 'other';
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  switch (path.length <= 20 ? path.toLowerCase() : '') {
    case '/graphql':
      return '/graphql';
    case '/connector/callback':
      return '/connector/callback';
    case '/webhooks/jobber':
      return '/webhooks/jobber';
    case '/healthz':
      return '/healthz';
    case '/readyz':
      return '/readyz';
    case '/metrics':
      return '/metrics';
    default:
      return 'other';
  }
}

/**
 * The path for an access log line: without the query string (the OAuth callback's carries the code
 * and state), cut to MAX_LOGGED_PATH characters.
 */
export function loggedPathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}

/** Which way a GraphQL request to /graphql went, from what the fast path reported (nothing: express and Apollo answered). */
export function graphqlPathOf(fastPathOutcome: string | undefined): GraphqlPath {
  if (fastPathOutcome === 'forwarded') return 'fast';
  if (fastPathOutcome === 'split') return 'split';
  if (fastPathOutcome === 'refused') return 'refused';
  return 'stitched';
}

/** One access log line's fields (never a key, a token or a query string). */
export interface AccessLogEntry {
  requestId: string;
  method: string;
  path: string;
  /** The HTTP status sent, or `aborted` when the client left first. */
  status: number | 'aborted';
  durationMs: number;
  fastPath?: string;
  partnerId?: string;
}

export function buildAccessLogEntry(input: {
  requestId: string;
  method: string | undefined;
  url: string | undefined;
  status: number | 'aborted';
  seconds: number;
  fastPath: string | undefined;
  partnerId: string | undefined;
}): AccessLogEntry {
  return {
    requestId: input.requestId,
    method: input.method ?? '',
    path: loggedPathOf(input.url),
    status: input.status,
    durationMs: Math.round(input.seconds * 1e5) / 100,
    ...(input.fastPath === undefined ? {} : { fastPath: input.fastPath }),
    ...(input.partnerId === undefined ? {} : { partnerId: input.partnerId }),
  };
}
