import type { IncomingMessage, ServerResponse } from 'node:http';
import { JobberMessage } from '../jobber/jobberMessages';
import { formatJobberTimestamp } from '../jobber/formatJobberTimestamp';
import { renderConsentPage, renderErrorPage } from './consentPage';
import { mediaTypeOf, readBody, redirect, sendHtml, sendJson } from './httpIo';
import {
  addAccount,
  CODE_LIFETIME_MS,
  connectGrant,
  issueAccessToken,
  randomToken,
  rotateRefreshToken,
  type SandboxState,
} from './sandboxState';

export type Sleep = (ms: number) => Promise<void>;

/** What Jobber says when rotation is off (the response keeps the same refresh token). */
export const ROTATION_OFF_WARNING =
  'Refresh token rotation is not enabled for this app. Enable it in the Developer Center: it will soon be required.';

/** `GET /api/oauth/authorize`: validates the request, then shows the consent page. */
export function handleAuthorize(state: SandboxState, url: URL, res: ServerResponse): void {
  const params = url.searchParams;
  if (params.get('response_type') !== 'code') {
    return sendHtml(res, 400, renderErrorPage('Invalid request', 'response_type must be "code".'));
  }
  const app = state.apps.get(params.get('client_id') ?? '');
  if (!app) return sendHtml(res, 400, renderErrorPage('Invalid client', 'No app has this client_id.'));
  // Never redirect anywhere but the registered Callback URL (exact match).
  if (params.get('redirect_uri') !== app.redirectUri) {
    return sendHtml(res, 400, renderErrorPage('Invalid redirect URI', 'redirect_uri does not match the app\'s Callback URL.'));
  }
  sweepExpired(state);
  const requestId = randomToken();
  const stateParam = params.get('state');
  state.pendingConsents.set(requestId, {
    clientId: app.clientId,
    redirectUri: app.redirectUri,
    ...(stateParam !== null ? { state: stateParam } : {}),
    expiresAtMs: state.clock.now() + CODE_LIFETIME_MS,
  });
  sendHtml(res, 200, renderConsentPage({ appName: app.name, requestId, accounts: [...state.accounts.values()] }));
}

/** `POST /api/oauth/authorize/consent`: the consent form's answer. */
export async function handleConsent(state: SandboxState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const read = await readBody(req);
  if (!read.ok || mediaTypeOf(req) !== 'application/x-www-form-urlencoded') {
    return sendHtml(res, 400, renderErrorPage('Invalid request', 'Submit the consent form.'));
  }
  const form = new URLSearchParams(read.body.toString('utf8'));
  const requestId = form.get('request_id') ?? '';
  const pending = state.pendingConsents.get(requestId);
  state.pendingConsents.delete(requestId);
  if (!pending || pending.expiresAtMs <= state.clock.now()) {
    return sendHtml(res, 400, renderErrorPage('Expired', 'This authorization request expired or was already answered.'));
  }
  // Jobber's deny: back to the Callback URL with no parameters at all.
  if (form.get('decision') !== 'allow') return redirect(res, pending.redirectUri);

  const accountId = form.get('account_id') ?? '';
  const accountName = (form.get('account_name') ?? '').trim();
  const account = state.accounts.get(accountId) ?? (accountName ? addAccount(state, { name: accountName }) : undefined);
  if (!account) return sendHtml(res, 400, renderErrorPage('No account', 'Choose an account or type a name.'));

  const grant = connectGrant(state, pending.clientId, account.id);
  const code = randomToken();
  state.codes.set(code, {
    clientId: pending.clientId,
    redirectUri: pending.redirectUri,
    grantId: grant.id,
    expiresAtMs: state.clock.now() + CODE_LIFETIME_MS,
  });
  const target = new URL(pending.redirectUri);
  target.searchParams.set('code', code);
  if (pending.state !== undefined) target.searchParams.set('state', pending.state);
  redirect(res, target.toString());
}

/** `POST /api/oauth/token`: both grants, with injected latency and failures first. */
export async function handleToken(state: SandboxState, sleep: Sleep, req: IncomingMessage, res: ServerResponse): Promise<void> {
  state.counters.tokenCalls++;
  // Read first: the latency may apply to one account's calls only, known from the code or refresh token.
  const read = await readBody(req);
  const form = new URLSearchParams(read.ok ? read.body.toString('utf8') : '');
  const { tokenLatencyMs, tokenLatencyAccountId } = state.settings;
  if (tokenLatencyMs > 0 && (tokenLatencyAccountId === undefined || accountOfTokenCall(state, form) === tokenLatencyAccountId)) {
    await sleep(tokenLatencyMs);
    // A caller that died or hung up during the latency gets nothing done: its refresh token is not spent.
    if (req.socket.destroyed) return;
  }
  const failure = takeTokenFailure(state);
  if (failure === 'timeout') return; // never answered: the caller's timeout must fire
  if (failure === 'status500') return sendJson(res, 500, { error: 'server_error', message: 'Internal Server Error' });

  if (!read.ok) return sendJson(res, read.status, { error: 'invalid_request', message: 'Unreadable body' });
  if (mediaTypeOf(req) !== 'application/x-www-form-urlencoded') {
    return sendJson(res, 400, { error: 'invalid_request', message: 'Content-Type must be application/x-www-form-urlencoded' });
  }
  const app = state.apps.get(form.get('client_id') ?? '');
  if (!app || app.clientSecret !== form.get('client_secret')) {
    return sendJson(res, 401, { error: 'invalid_client', message: 'Client authentication failed' });
  }
  const grantType = form.get('grant_type');
  if (grantType === 'authorization_code') return exchangeCode(state, app.clientId, form, res);
  if (grantType === 'refresh_token') return refresh(state, app.clientId, form, res);
  sendJson(res, 400, { error: 'unsupported_grant_type', message: 'grant_type must be authorization_code or refresh_token' });
}

/** The account a token call is for (its code's or refresh token's grant), before anything is checked. */
function accountOfTokenCall(state: SandboxState, form: URLSearchParams): string | undefined {
  const grantId = form.get('grant_type') === 'refresh_token' ? state.refreshTokens.get(form.get('refresh_token') ?? '') : state.codes.get(form.get('code') ?? '')?.grantId;
  return grantId === undefined ? undefined : state.grants.get(grantId)?.accountId;
}

function exchangeCode(state: SandboxState, clientId: string, form: URLSearchParams, res: ServerResponse): void {
  const code = form.get('code') ?? '';
  const entry = state.codes.get(code);
  state.codes.delete(code); // single use, whatever happens next
  const grant = entry ? state.grants.get(entry.grantId) : undefined;
  if (
    !entry ||
    !grant?.connected ||
    entry.expiresAtMs <= state.clock.now() ||
    entry.clientId !== clientId ||
    entry.redirectUri !== form.get('redirect_uri')
  ) {
    state.counters.invalidGrants++;
    return sendJson(res, 401, {
      error: 'invalid_grant',
      message: 'The authorization code is invalid, expired, already used, or does not match the redirect_uri.',
    });
  }
  state.counters.exchanges++;
  sendJson(res, 200, { access_token: issueAccessToken(state, grant), refresh_token: rotateRefreshToken(state, grant) });
}

function refresh(state: SandboxState, clientId: string, form: URLSearchParams, res: ServerResponse): void {
  const token = form.get('refresh_token') ?? '';
  const grant = state.grants.get(state.refreshTokens.get(token) ?? '');
  if (!grant || !grant.connected || grant.clientId !== clientId) {
    if (state.spentRefreshTokens.has(token)) state.counters.refreshReuses++;
    state.counters.invalidGrants++;
    return sendJson(res, 401, { error: 'invalid_grant', message: JobberMessage.INVALID_REFRESH_TOKEN });
  }
  state.counters.refreshes++;
  const accessToken = issueAccessToken(state, grant);
  const expiresAt = formatJobberTimestamp(state.clock.now() + state.settings.tokenLifetimeSeconds * 1000);
  if (!state.settings.rotation) {
    return sendJson(res, 200, { access_token: accessToken, refresh_token: token, expires_at: expiresAt, warning: ROTATION_OFF_WARNING });
  }
  sendJson(res, 200, { access_token: accessToken, refresh_token: rotateRefreshToken(state, grant), expires_at: expiresAt });
}

/** Decides whether this token call fails, consuming one of `count` when set. */
function takeTokenFailure(state: SandboxState): 'status500' | 'timeout' | undefined {
  const failure = state.settings.tokenFailure;
  if (failure.mode === 'none') return undefined;
  if (failure.count !== undefined) {
    if (failure.count <= 0) return undefined;
    failure.count--;
    return failure.mode;
  }
  if (failure.everyNth !== undefined) {
    return failure.everyNth > 0 && state.counters.tokenCalls % failure.everyNth === 0 ? failure.mode : undefined;
  }
  return failure.mode;
}

/** Forgets consent forms and codes nobody will use any more, so memory stays bounded under load. */
function sweepExpired(state: SandboxState): void {
  const now = state.clock.now();
  for (const [id, pending] of state.pendingConsents) if (pending.expiresAtMs <= now) state.pendingConsents.delete(id);
  for (const [code, entry] of state.codes) if (entry.expiresAtMs <= now) state.codes.delete(code);
}
