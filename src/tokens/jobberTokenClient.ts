import type { Clock, Fetch } from '../core/deps';
import { parseTokenExpiry } from './parseTokenExpiry';

/** A fresh pair from Jobber's token endpoint. */
export interface IssuedTokens {
  accessToken: string;
  /** Absent when Jobber's response had none (rotation switched off): keep the old refresh token. */
  refreshToken?: string;
  /** ms since the epoch (JWT `exp`, else `expires_at`/`expires_in`, else +60 min). */
  accessTokenExpiresAt: number;
  /** Jobber's optional `warning` string, for logs. */
  warning?: string;
}

export type TokenCallResult =
  | { ok: true; tokens: IssuedTokens }
  /** Any other 400/401 from the token endpoint: the code or refresh token is not (or no longer) valid. */
  | { ok: false; kind: 'invalid_grant'; status: number }
  /**
   * A 400/401 whose body says `invalid_client` or `unauthorized_client` (RFC 6749 5.2): the app's client
   * id or secret was refused. The server authenticates the client before it looks at the grant, so the
   * code or refresh token sent was neither used nor spent.
   */
  | { ok: false; kind: 'invalid_client'; status: number }
  /** 5xx, 429, timeout, network error, unreadable 2xx: nothing learned; the refresh token may be tried later. */
  | { ok: false; kind: 'transient'; status?: number; retryAfterMs?: number; message: string };

export interface JobberTokenClient {
  exchangeCode(input: { clientId: string; clientSecret: string; code: string; redirectUri: string }): Promise<TokenCallResult>;
  refresh(input: { clientId: string; clientSecret: string; refreshToken: string }): Promise<TokenCallResult>;
}

export interface JobberTokenClientOptions {
  fetch: Fetch;
  /** Jobber origin, e.g. `https://api.getjobber.com`; the endpoint is `${baseUrl}/api/oauth/token`. */
  baseUrl: string;
  /** Timeout of one token call in ms (JOBBER_TIMEOUT_MS, default 15000 in config). */
  timeoutMs: number;
  clock: Clock;
}

/**
 * Calls Jobber's OAuth token endpoint (JOBBER.md "OAuth"): form-urlencoded, client credentials in the body.
 * Expected failures are values; messages never contain a token, code or secret.
 */
export function createJobberTokenClient(options: JobberTokenClientOptions): JobberTokenClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/api/oauth/token`;

  async function call(form: Record<string, string>): Promise<TokenCallResult> {
    let response: Response;
    try {
      response = await options.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      // Duck-typed: the DOMException of AbortSignal.timeout is not always an `Error` of this realm.
      const name = (error as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      return {
        ok: false,
        kind: 'transient',
        message: timedOut ? `token endpoint timed out after ${options.timeoutMs} ms` : 'token endpoint unreachable',
      };
    }
    const now = options.clock.now();
    if (response.status === 400 || response.status === 401) {
      const error = await readOAuthError(response);
      const aboutClient = error === 'invalid_client' || error === 'unauthorized_client';
      return { ok: false, kind: aboutClient ? 'invalid_client' : 'invalid_grant', status: response.status };
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
      return {
        ok: false,
        kind: 'transient',
        status: response.status,
        message: `token endpoint answered HTTP ${response.status}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return { ok: false, kind: 'transient', status: response.status, message: 'token endpoint answered unreadable JSON' };
    }
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const accessToken = fields.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      return { ok: false, kind: 'transient', status: response.status, message: 'token endpoint answered without an access_token' };
    }
    const refreshToken = typeof fields.refresh_token === 'string' && fields.refresh_token !== '' ? fields.refresh_token : undefined;
    const warning = typeof fields.warning === 'string' ? fields.warning : undefined;
    return {
      ok: true,
      tokens: {
        accessToken,
        ...(refreshToken === undefined ? {} : { refreshToken }),
        accessTokenExpiresAt: parseTokenExpiry({ accessToken, expiresAt: fields.expires_at, expiresIn: fields.expires_in }, now),
        ...(warning === undefined ? {} : { warning }),
      },
    };
  }

  return {
    exchangeCode: ({ clientId, clientSecret, code, redirectUri }) =>
      call({ grant_type: 'authorization_code', client_id: clientId, client_secret: clientSecret, code, redirect_uri: redirectUri }),
    refresh: ({ clientId, clientSecret, refreshToken }) =>
      call({ grant_type: 'refresh_token', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken }),
  };
}

/** The `error` member of an OAuth error body (RFC 6749 5.2), when it is JSON; the body is read to at most 64 KB. */
async function readOAuthError(response: Response): Promise<string | undefined> {
  try {
    const text = await response.text();
    if (text.length > 65_536) return undefined;
    const body: unknown = JSON.parse(text);
    const error = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).error : undefined;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
