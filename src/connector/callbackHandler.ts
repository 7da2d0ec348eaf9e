import type { Deps } from '../core/deps';
import type { InstallationRef } from '../core/installationRef';
import type { PartnerEventSink } from '../core/partnerEvents';
import type { SecretBox } from '../crypto/secretBox';
import type { AccessTokenProvider } from '../tokens/accessTokenProvider';
import type { JobberTokenClient } from '../tokens/jobberTokenClient';
import type { TokenStore } from '../tokens/tokenStore';
import { callJobberGraphql, type JobberGraphqlOptions } from './callJobberGraphql';
import { classifyCallbackQuery } from './classifyCallbackQuery';
import { buildInstalledRedirectUrl } from './connectorUrls';
import { buildInstallationRecordKey, type InstallationCredentials, type InstallationRecord, type InstallationStore } from './installationStore';
import type { OAuthStateStore } from './oauthStateStore';

/** Every way Jobber's redirect can end. The router turns each into a page or a redirect; no HTTP here. */
export type CallbackOutcome =
  | { kind: 'installed'; partnerId: string; accountId: string; jobberAccountName: string | null; redirectUrl: string | null }
  /** No parameters: the user denied consent (Jobber sends no `error`). */
  | { kind: 'denied' }
  /** A code without state: an install started from Jobber's App Marketplace. */
  | { kind: 'marketplace' }
  | { kind: 'malformed' }
  /** Unknown, expired, reused, or voided by an uninstall. Nothing was exchanged. */
  | { kind: 'invalid_state' }
  /** Jobber's token endpoint refused the code (`rejected`) or failed (`unavailable`). Installation unchanged. */
  | { kind: 'exchange_failed'; reason: 'rejected' | 'unavailable' }
  /** Tokens obtained but `{ account { id name } }` failed. Installation unchanged. */
  | { kind: 'account_lookup_failed' };

export interface CallbackHandlerOptions {
  deps: Deps;
  secretBox: SecretBox;
  tokenClient: JobberTokenClient;
  tokenStore: TokenStore;
  accessTokens: AccessTokenProvider;
  events: PartnerEventSink;
  installations: InstallationStore;
  states: OAuthStateStore;
  jobber: JobberGraphqlOptions;
  /** The redirect_uri the consent URL named; the exchange must repeat it. */
  callbackUrl: string;
}

/** Completes an install from Jobber's redirect (DESIGN.md "Install" step 3). */
export function createCallbackHandler(options: CallbackHandlerOptions): (query: Record<string, unknown>) => Promise<CallbackOutcome> {
  const { deps, secretBox, tokenClient, tokenStore, accessTokens, events, installations, states } = options;
  const logger = deps.logger.child({ component: 'connector.callback' });

  return async function handleCallback(query) {
    const classified = classifyCallbackQuery(query);
    if (classified.kind !== 'approved') {
      logger.info({ outcome: classified.kind }, 'connector callback without a usable code and state');
      return { kind: classified.kind };
    }
    // Consumed before anything else: a state works once, even if this attempt fails later.
    const bound = await states.consume(classified.state);
    if (bound === null) {
      logger.warn('connector callback with an unknown, expired or reused state; nothing exchanged');
      return { kind: 'invalid_state' };
    }
    const ref: InstallationRef = { partnerId: bound.partnerId, accountId: bound.accountId };
    const log = logger.child({ partnerId: ref.partnerId, accountId: ref.accountId });
    const isVoided = (record: InstallationRecord | null) => (record?.generation ?? 0) !== bound.generation;
    if (isVoided(await installations.get(ref))) {
      log.warn('connector callback for an install started before the account was uninstalled; nothing exchanged');
      return { kind: 'invalid_state' };
    }

    const exchange = await tokenClient.exchangeCode({
      clientId: bound.clientId,
      clientSecret: bound.clientSecret,
      code: classified.code,
      redirectUri: options.callbackUrl,
    });
    if (!exchange.ok) {
      log.warn({ kind: exchange.kind, status: exchange.status }, 'connector install: token exchange failed; installation unchanged');
      return { kind: 'exchange_failed', reason: exchange.kind === 'transient' ? 'unavailable' : 'rejected' };
    }
    const { accessToken, refreshToken, accessTokenExpiresAt } = exchange.tokens;
    if (refreshToken === undefined) {
      log.warn('connector install: token endpoint answered without a refresh token; installation unchanged');
      return { kind: 'exchange_failed', reason: 'unavailable' };
    }

    const lookup = await callJobberGraphql(options.jobber, accessToken, '{ account { id name } }');
    const account = lookup.ok ? (lookup.data.account as { id?: unknown; name?: unknown } | null | undefined) : undefined;
    if (!lookup.ok || typeof account?.id !== 'string' || account.id === '') {
      log.warn({ status: lookup.ok ? 200 : lookup.status, message: lookup.ok ? 'no account id' : lookup.message }, 'connector install: account lookup failed');
      return { kind: 'account_lookup_failed' };
    }
    const jobberAccountId = account.id;
    const jobberAccountName = typeof account.name === 'string' ? account.name : null;

    // Sealed once, outside the compare-and-set loop (the IV is random).
    const credentials: InstallationCredentials =
      bound.credentialSource === 'install'
        ? { source: 'install', clientId: bound.clientId, sealedSecret: secretBox.seal(bound.clientSecret, buildInstallationRecordKey(ref)) }
        : { source: 'settings', clientId: bound.clientId };

    await tokenStore.replace(ref, { accessToken, refreshToken, accessTokenExpiresAt });
    const { previous, changed } = await installations.update(ref, (current, now) =>
      isVoided(current)
        ? null
        : {
            f: 1,
            accountId: ref.accountId,
            status: 'INSTALLED',
            jobberAccountId,
            jobberAccountName,
            installedAt: now,
            lastError: null,
            credentials,
            generation: current?.generation ?? 0,
            createdAt: current?.createdAt ?? now,
            updatedAt: now,
          },
    );
    accessTokens.forget(ref);
    if (!changed) {
      // Uninstalled while this consent was completing: the uninstall wins, the new tokens go.
      await tokenStore.delete(ref);
      log.warn('connector install: uninstalled while the consent completed; tokens discarded');
      return { kind: 'invalid_state' };
    }
    await installations.setJobberAccount(ref, jobberAccountId, previous?.jobberAccountId ?? null);
    log.info({ jobberAccountId, credentialSource: bound.credentialSource }, 'connector installed');
    try {
      await events.emit({ kind: 'gateway', type: 'installation.installed', ref, jobberAccountId });
    } catch (error) {
      // The install itself is done; only the partner's notification is lost.
      log.error({ err: error }, 'connector install: could not queue the installation.installed event');
    }
    return {
      kind: 'installed',
      partnerId: ref.partnerId,
      accountId: ref.accountId,
      jobberAccountName,
      redirectUrl: bound.returnUrl === null ? null : buildInstalledRedirectUrl(bound.returnUrl, ref.accountId),
    };
  };
}
