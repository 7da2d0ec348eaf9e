/** Small HTTP helpers for the sandbox's integration tests (real requests, nothing mocked). */
export const APP = {
  clientId: 'test-client',
  clientSecret: 'test-secret-of-the-app',
  redirectUri: 'http://127.0.0.1:1/connector/callback',
  name: 'Test Connector',
};
export const VERSION = '2025-04-16';

export async function postToken(base: string, form: Record<string, string>, contentType = 'application/x-www-form-urlencoded') {
  const response = await fetch(`${base}/api/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: contentType === 'application/json' ? JSON.stringify(form) : new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

export function refreshForm(refreshToken: string): Record<string, string> {
  return { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: APP.clientId, client_secret: APP.clientSecret };
}

export interface GqlOptions {
  token?: string;
  version?: string | null;
  variables?: Record<string, unknown>;
  contentType?: string;
  rawBody?: string;
}

export async function gql(base: string, query: string, options: GqlOptions = {}) {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.version !== null) headers['x-jobber-graphql-version'] = options.version ?? VERSION;
  const response = await fetch(`${base}/api/graphql`, {
    method: 'POST',
    headers,
    body: options.rawBody ?? JSON.stringify({ query, variables: options.variables }),
  });
  const text = await response.text();
  // Tests read arbitrary JSON paths from Jobber-shaped answers; typing each shape would add nothing.
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body, headers: response.headers };
}

export function authorizeUrl(base: string, params: Record<string, string>): string {
  const url = new URL('/api/oauth/authorize', base);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}
