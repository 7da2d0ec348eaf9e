import { isValidAccountId, type InstallationRef } from '../core/installationRef';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import { createCallbackHandler, type CallbackHandlerOptions, type CallbackOutcome } from './callbackHandler';
import { createConnectorSettingsStore } from './connectorSettingsStore';
import { buildCallbackUrl, buildConsentUrl, parseReturnUrl } from './connectorUrls';
import type { CredentialReader } from './credentialReader';
import { createInstallationLifecycle } from './installationLifecycle';
import { createInstallationStore, type InstallationStatus } from './installationStore';
import type { InstallationView } from './installationView';
import { createOAuthStateStore } from './oauthStateStore';
import { parseConnectorSettingsInput, type ConnectorSettingsInput } from './parseConnectorSettingsInput';

export type { CallbackOutcome } from './callbackHandler';
export type { InstallationView } from './installationView';

/** `ConnectorSettings` of the local schema. The client secret is write-only: only whether it is set. */
export interface ConnectorSettingsView {
  clientId: string | null;
  clientSecretSet: boolean;
  /** What the partner pastes into Jobber's Developer Center as the app's Callback URL. */
  callbackUrl: string;
  apiVersion: string;
  webhookUrl: string | null;
  returnUrlOrigins: string[];
}

export interface InstallInput {
  accountId: string;
  /** Per-install credentials: both or neither; neither = the settings' credentials. */
  clientId?: string | null;
  clientSecret?: string | null;
  /** Where the browser goes after a successful install; must be on one of the settings' returnUrlOrigins. */
  returnUrl?: string | null;
}

/** The collaborators the service shares with its callback handler, plus its own settings. */
export interface ConnectorServiceOptions
  extends Pick<CallbackHandlerOptions, 'deps' | 'secretBox' | 'tokenClient' | 'tokenStore' | 'accessTokens' | 'events'> {
  /**
   * The app's one credential reader, built before the token refresher (which reads through it too):
   * the secrets that verify an account's webhooks (findInstallationsByJobberAccountId).
   */
  credentials: Pick<CredentialReader, 'credentialsOf'>;
  /** The gateway's public origin (PUBLIC_URL); the callback is `${publicUrl}/connector/callback`. */
  publicUrl: string;
  /** Accept a `webhookUrl` on loopback/private/link-local addresses (WEBHOOK_ALLOW_PRIVATE_TARGETS). Default false. */
  allowPrivateWebhookTargets?: boolean;
  /** Jobber origin (JOBBER_BASE_URL). */
  jobberBaseUrl: string;
  /** Sent as X-JOBBER-GRAPHQL-VERSION on the connector's own Jobber calls, and shown in the settings. */
  apiVersion: string;
  /** Lifetime of an install's `state`, ms. Default 600000 (10 minutes). */
  stateTtlMs?: number;
  /** Timeout of each of the connector's GraphQL calls to Jobber, ms. Default 15000. */
  jobberTimeoutMs?: number;
  /** See InstallationLifecycleOptions.endInstallation: revokes sessions and publishes the invalidation. */
  endInstallation?(ref: InstallationRef): Promise<void>;
  /** Called after a consent completed (INSTALLED again, new tokens): other processes drop what they cached of it. */
  announceInstallation?(ref: InstallationRef): Promise<void>;
}

export type ConnectorService = ReturnType<typeof createConnectorService>;

function assertAccountId(accountId: string): void {
  if (!isValidAccountId(accountId)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'accountId must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  }
}

const blankToUndefined = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value.trim() === '' ? undefined : value;

/** Connector settings, install, callback, uninstall and installation status (DESIGN.md "Install"). */
export function createConnectorService(options: ConnectorServiceOptions) {
  const { deps, secretBox } = options;
  const { store, clock } = deps;
  const logger = deps.logger.child({ component: 'connector' });
  const callbackUrl = buildCallbackUrl(options.publicUrl);
  const settingsStore = createConnectorSettingsStore({ store, secretBox, clock });
  const installations = createInstallationStore({ store, clock });
  const states = createOAuthStateStore({ store, secretBox, clock, ttlMs: options.stateTtlMs ?? 600_000 });
  const jobber = {
    fetch: deps.fetch,
    jobberBaseUrl: options.jobberBaseUrl,
    apiVersion: options.apiVersion,
    timeoutMs: options.jobberTimeoutMs ?? 15_000,
  };
  const lifecycle = createInstallationLifecycle({ ...options, installations, jobber });
  const handleCallback = createCallbackHandler({ ...options, installations, states, jobber, callbackUrl });

  async function getSettings(partnerId: string): Promise<ConnectorSettingsView> {
    const settings = await settingsStore.read(partnerId);
    return {
      clientId: settings?.clientId ?? null,
      clientSecretSet: Boolean(settings?.sealedSecret),
      callbackUrl,
      apiVersion: options.apiVersion,
      webhookUrl: settings?.webhookUrl ?? null,
      returnUrlOrigins: settings?.returnUrlOrigins ?? [],
    };
  }

  async function updateSettings(partnerId: string, input: ConnectorSettingsInput): Promise<ConnectorSettingsView> {
    const parsed = parseConnectorSettingsInput(input, { allowPrivateWebhookTargets: options.allowPrivateWebhookTargets === true });
    if (!parsed.ok) throw new GatewayError(ErrorCode.BAD_USER_INPUT, parsed.errors.join('; '), { extensions: { problems: parsed.errors } });
    await settingsStore.update(partnerId, parsed.patch);
    logger.info({ partnerId, fields: Object.keys(parsed.patch) }, 'connector settings updated');
    return getSettings(partnerId);
  }

  async function install(partnerId: string, input: InstallInput): Promise<{ consentUrl: string; state: string; expiresAt: Date }> {
    assertAccountId(input.accountId);
    const settings = await settingsStore.read(partnerId);

    let credentials: { clientId: string; clientSecret: string; credentialSource: 'settings' | 'install' };
    const givenId = blankToUndefined(input.clientId);
    const givenSecret = blankToUndefined(input.clientSecret);
    if (givenId !== undefined || givenSecret !== undefined) {
      const parsed = parseConnectorSettingsInput({ clientId: givenId ?? null, clientSecret: givenSecret ?? null });
      if (!parsed.ok) throw new GatewayError(ErrorCode.BAD_USER_INPUT, parsed.errors.join('; '));
      if (!parsed.patch.clientId || !parsed.patch.clientSecret) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'clientId and clientSecret must be given together (or neither, to use the connector settings)');
      }
      credentials = { clientId: parsed.patch.clientId, clientSecret: parsed.patch.clientSecret, credentialSource: 'install' };
    } else {
      const secret = settingsStore.openSecret(partnerId, settings);
      if (!settings?.clientId || secret === null) {
        throw new GatewayError(
          ErrorCode.CONNECTOR_NOT_CONFIGURED,
          'No Jobber app credentials: set clientId and clientSecret with updateConnectorSettings, or give them to installConnector',
        );
      }
      credentials = { clientId: settings.clientId, clientSecret: secret, credentialSource: 'settings' };
    }

    let returnUrl: string | null = null;
    const givenReturnUrl = blankToUndefined(input.returnUrl);
    if (givenReturnUrl !== undefined) {
      const checked = parseReturnUrl(givenReturnUrl, settings?.returnUrlOrigins ?? []);
      if (!checked.ok) throw new GatewayError(ErrorCode.BAD_USER_INPUT, `returnUrl ${checked.reason}`);
      returnUrl = checked.value;
    }

    const ref: InstallationRef = { partnerId, accountId: input.accountId };
    // An installed account stays INSTALLED (old tokens keep working) until the new consent completes.
    const { record } = await installations.update(ref, (current, now) =>
      current?.status === 'INSTALLED'
        ? null
        : {
            f: 1,
            accountId: ref.accountId,
            status: 'PENDING',
            jobberAccountId: current?.jobberAccountId ?? null,
            jobberAccountName: current?.jobberAccountName ?? null,
            installedAt: current?.installedAt ?? null,
            lastError: null,
            credentials: current?.credentials ?? null,
            generation: current?.generation ?? 0,
            createdAt: current?.createdAt ?? now,
            updatedAt: now,
          },
    );
    // Issued after the record is read: an uninstall from here on bumps the generation and voids this state.
    const { state, expiresAt } = await states.issue({ ...ref, ...credentials, returnUrl, generation: record?.generation ?? 0 });
    logger.info({ partnerId, accountId: ref.accountId, credentialSource: credentials.credentialSource }, 'connector install started');
    return {
      consentUrl: buildConsentUrl({ jobberBaseUrl: options.jobberBaseUrl, clientId: credentials.clientId, redirectUri: callbackUrl, state }),
      state,
      expiresAt: new Date(expiresAt),
    };
  }

  async function listInstallations(
    partnerId: string,
    page: { first?: number | null; after?: string | null; status?: InstallationStatus | null },
  ): Promise<{ nodes: InstallationView[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number }> {
    return lifecycle.list(partnerId, page);
  }

  return {
    getSettings,
    updateSettings,
    install,
    /** Never rejects for an expected outcome; a rejection (store down, bug) is logged here, so the router needs no logger. */
    handleCallback: async (query: Record<string, unknown>): Promise<CallbackOutcome> => {
      try {
        const outcome = await handleCallback(query);
        if (outcome.kind === 'installed') await options.announceInstallation?.({ partnerId: outcome.partnerId, accountId: outcome.accountId });
        return outcome;
      } catch (error) {
        logger.error({ err: error }, 'connector callback failed');
        throw error;
      }
    },
    getInstallation: (ref: InstallationRef): Promise<InstallationView | null> => {
      assertAccountId(ref.accountId);
      return lifecycle.view(ref);
    },
    listInstallations,
    uninstall: (ref: InstallationRef): Promise<InstallationView> => {
      assertAccountId(ref.accountId);
      return lifecycle.uninstall(ref);
    },
    markDisconnected: lifecycle.markDisconnected,
    findInstallationsByJobberAccountId: lifecycle.findByJobberAccountId,
  };
}
