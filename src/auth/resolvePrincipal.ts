import type { InstallationRef } from '../core/installationRef';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Principal } from '../gateway/requestContext';
import type { AccountSessions, SessionRefusal } from './accountSessions';
import type { PartnerRegistry } from './partnerRegistry';
import { isSameSecret } from './secretTokens';

/** What resolvePrincipal reads: the admin key, and the two lookups it makes. */
export interface PrincipalSources {
  adminApiKey: string | undefined;
  partners: Pick<PartnerRegistry, 'authenticate'>;
  sessions: Pick<AccountSessions, 'resolve'>;
}

/**
 * Decides who is calling from the `Authorization` header. No header (or an empty "Bearer ") = anonymous (allowed only for
 * introspection); a header that names nobody = UNAUTHENTICATED (401); a session used with another
 * account's `X-Account-Id` = FORBIDDEN (403). Never echoes the credential. `beforeStoreRead` runs (and may
 * throw, to refuse first) right before a lookup that reads the store: a session, or an API key not verified
 * in memory lately (callerGate charges the client's budget there).
 */
export async function resolvePrincipal(
  authorization: string | undefined,
  accountIdHeader: string | undefined,
  sources: PrincipalSources,
  beforeStoreRead?: () => void,
): Promise<Principal> {
  if (authorization === undefined || isAnonymousAuthorization(authorization)) return { kind: 'anonymous' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) {
    throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'The Authorization header must be "Bearer <API key or session token>".');
  }
  const credential = match[1];
  if (sources.adminApiKey && isSameSecret(credential, sources.adminApiKey)) return { kind: 'admin' };
  if (credential.startsWith('jgs_')) {
    beforeStoreRead?.();
    const resolved = await sources.sessions.resolve(credential);
    if (!resolved.ok) throw sessionRefused(resolved.reason);
    assertSessionAccount(resolved.ref, accountIdHeader);
    return { kind: 'session', ref: resolved.ref };
  }
  if (credential.startsWith('jgp_')) {
    const verified = await sources.partners.authenticate(credential, beforeStoreRead);
    if (verified?.partner.disabled) throw new GatewayError(ErrorCode.FORBIDDEN, DISABLED_MESSAGE);
    if (verified) return { kind: 'partner', partner: verified.partner, keyId: verified.keyId };
  }
  throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'The API key is not valid.');
}

/** No credential at all, including the explorer's empty "Bearer " before a key is pasted. */
export function isAnonymousAuthorization(authorization: string | undefined): boolean {
  return authorization === undefined || /^\s*(Bearer\s*)?$/i.test(authorization);
}

const DISABLED_MESSAGE = 'This partner is disabled; its API keys and account sessions are refused until the gateway operator enables it again.';

/**
 * A session that no longer works is 401 whatever the cause, so a frontend has one thing to do (ask its
 * backend for a new one), except a disabled partner: 403, as for its API keys (nothing to renew).
 */
function sessionRefused(reason: SessionRefusal): GatewayError {
  switch (reason) {
    case 'partner_disabled':
      return new GatewayError(ErrorCode.FORBIDDEN, DISABLED_MESSAGE);
    case 'not_installed':
      return new GatewayError(ErrorCode.UNAUTHENTICATED, "The account session ended: the account's connector is no longer installed.");
    case 'revoked':
      return new GatewayError(ErrorCode.UNAUTHENTICATED, 'The account session was revoked.');
    case 'unknown':
      return new GatewayError(ErrorCode.UNAUTHENTICATED, 'The account session is unknown or expired.');
  }
}

function assertSessionAccount(ref: InstallationRef, accountIdHeader: string | undefined): void {
  if (accountIdHeader !== undefined && accountIdHeader !== ref.accountId) {
    throw new GatewayError(ErrorCode.FORBIDDEN, 'This account session may only act on its own account.');
  }
}
