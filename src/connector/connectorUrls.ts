/**
 * URL rules of the connector (DESIGN.md "Install"): which origins a partner may list as return-URL
 * origins, which return URLs an install may name, where the partner's webhooks may go, and the URLs
 * the gateway builds itself. Pure.
 */

import { classifyTargetAddress } from '../webhooks/classifyTargetAddress';

export type UrlCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Hosts on which plain http is allowed (a developer's own machine); everything else needs https. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

function parseHttpUrl(value: string): UrlCheck<URL> {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.protocol === 'https:') return { ok: true, value: url };
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return { ok: true, value: url };
  return { ok: false, reason: 'must use https (http is allowed only on localhost or 127.0.0.1)' };
}

/**
 * An allowed return-URL origin, normalized to `URL.origin` (lower-case host, default port dropped).
 * Only a bare origin is accepted: a path, query, fragment or credentials would suggest a narrower rule
 * than the one enforced, so they are refused rather than silently dropped.
 */
export function parseAllowedOrigin(value: string): UrlCheck<string> {
  const parsed = parseHttpUrl(value);
  if (!parsed.ok) return parsed;
  const url = parsed.value;
  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return { ok: false, reason: 'must be an origin only (scheme, host and port), e.g. https://app.example.com' };
  }
  return { ok: true, value: url.origin };
}

/** A return URL is allowed when its origin is exactly one of the (normalized) allowed origins. */
export function parseReturnUrl(value: string, allowedOrigins: readonly string[]): UrlCheck<string> {
  const parsed = parseHttpUrl(value);
  if (!parsed.ok) return parsed;
  const url = parsed.value;
  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
  if (!allowedOrigins.includes(url.origin)) {
    return { ok: false, reason: 'is not on one of the connector settings returnUrlOrigins' };
  }
  return { ok: true, value: url.href };
}

/**
 * The partner's webhook receiver: https, or http on localhost; no credentials in the URL. Unless
 * `allowPrivateTargets`, a host that is plainly inside the network (localhost, or an IP literal that is
 * loopback, private, link-local, metadata, CGNAT, …) is refused here; names are checked again after DNS
 * resolution at every delivery (src/webhooks/webhookDispatcher.ts).
 */
export function parseWebhookUrl(value: string, options: { allowPrivateTargets?: boolean } = {}): UrlCheck<string> {
  const parsed = parseHttpUrl(value);
  if (!parsed.ok) return parsed;
  if (parsed.value.username || parsed.value.password) return { ok: false, reason: 'must not contain credentials' };
  if (options.allowPrivateTargets !== true) {
    const host = parsed.value.hostname.replace(/^\[(.*)\]$/, '$1');
    const verdict = classifyTargetAddress(host);
    const inside = host === 'localhost' || host.endsWith('.localhost') || (verdict.range !== 'invalid' && !verdict.allowed);
    if (inside) {
      return {
        ok: false,
        reason: `must not point at a loopback, private, link-local or other non-public address (${host}); the gateway's operator can allow it with WEBHOOK_ALLOW_PRIVATE_TARGETS=true`,
      };
    }
  }
  return { ok: true, value: parsed.value.href };
}

/** `<publicUrl>/connector/callback`: what the partner pastes into Jobber's Developer Center. */
export function buildCallbackUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/connector/callback`;
}

/** Jobber's authorize URL (JOBBER.md "OAuth"): no scope parameter, scopes live on the app. */
export function buildConsentUrl(input: { jobberBaseUrl: string; clientId: string; redirectUri: string; state: string }): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: input.clientId,
    redirect_uri: input.redirectUri,
    state: input.state,
  });
  return `${input.jobberBaseUrl.replace(/\/+$/, '')}/api/oauth/authorize?${query.toString()}`;
}

/** The partner's return URL with `status=installed&accountId=…` added (existing query kept, fragment kept). */
export function buildInstalledRedirectUrl(returnUrl: string, accountId: string): string {
  const url = new URL(returnUrl);
  url.searchParams.set('status', 'installed');
  url.searchParams.set('accountId', accountId);
  return url.href;
}
