import type { Fetch } from '../core/deps';

export interface JobberGraphqlOptions {
  fetch: Fetch;
  /** Jobber origin; the endpoint is `${jobberBaseUrl}/api/graphql`. */
  jobberBaseUrl: string;
  /** Sent as X-JOBBER-GRAPHQL-VERSION. */
  apiVersion: string;
  /** Timeout of the call in ms. */
  timeoutMs: number;
}

export type JobberGraphqlResult =
  | { ok: true; data: Record<string, unknown> }
  /** The message never contains the token; it is safe to log. */
  | { ok: false; status?: number; message: string };

/**
 * One GraphQL call to Jobber with an account's access token, for the connector's own needs (reading the
 * account after install, `appDisconnect`). Expected failures are values.
 */
export async function callJobberGraphql(options: JobberGraphqlOptions, accessToken: string, query: string): Promise<JobberGraphqlResult> {
  let response: Response;
  try {
    response = await options.fetch(`${options.jobberBaseUrl.replace(/\/+$/, '')}/api/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${accessToken}`,
        'x-jobber-graphql-version': options.apiVersion,
      },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { ok: false, message: timedOut ? `Jobber GraphQL timed out after ${options.timeoutMs} ms` : 'Jobber GraphQL unreachable' };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { ok: false, status: response.status, message: `Jobber GraphQL answered HTTP ${response.status} without JSON` };
  }
  const { data, errors } = (typeof body === 'object' && body !== null ? body : {}) as { data?: unknown; errors?: unknown };
  if (!response.ok || typeof data !== 'object' || data === null) {
    const first = Array.isArray(errors) ? (errors[0] as { message?: unknown } | undefined) : undefined;
    const detail = typeof first?.message === 'string' ? `: ${first.message.slice(0, 200)}` : '';
    return { ok: false, status: response.status, message: `Jobber GraphQL answered HTTP ${response.status}${detail}` };
  }
  return { ok: true, data: data as Record<string, unknown> };
}
