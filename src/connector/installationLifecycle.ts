import type { Deps } from '../core/deps';
import type { InstallationRef } from '../core/installationRef';
import type { GatewayEventType, PartnerEventSink } from '../core/partnerEvents';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { AccessTokenProvider } from '../tokens/accessTokenProvider';
import type { TokenStore } from '../tokens/tokenStore';
import { callJobberGraphql, type JobberGraphqlOptions } from './callJobberGraphql';
import type { CredentialReader, SettingsReads } from './credentialReader';
import type { InstallationRecord, InstallationStatus, InstallationStore } from './installationStore';
import { decodeInstallationsCursor, MAX_INSTALLATIONS_PAGE, selectInstallationsPage } from './installationsCursor';
import { toInstallationView, type InstallationView } from './installationView';

export interface InstallationLifecycleOptions {
  deps: Deps;
  tokenStore: TokenStore;
  accessTokens: AccessTokenProvider;
  events: PartnerEventSink;
  installations: InstallationStore;
  /** The app's one credential reader (the token refresher reads through it too): the webhook lookup's secrets. */
  credentials: Pick<CredentialReader, 'credentialsOf'>;
  jobber: JobberGraphqlOptions;
  /**
   * Called when an installation leaves INSTALLED here (uninstall, disconnect), after its tokens are gone:
   * revokes its account sessions and tells every process to drop what it cached of it (app.ts:
   * AccountSessions.revokeAccount, which publishes on the invalidation channel). A reauthorization
   * required ends through the reauthorization marker (reauthorizationMarker.ts), given the same function.
   */
  endInstallation?(ref: InstallationRef): Promise<void>;
}

const APP_DISCONNECT = 'mutation { appDisconnect { app { name } userErrors { message path } } }';

/** Reading, listing and ending installations; the disconnects Jobber reports (webhooks, its disconnect message). */
export function createInstallationLifecycle(options: InstallationLifecycleOptions) {
  const { deps, tokenStore, accessTokens, events, installations } = options;
  const { credentialsOf } = options.credentials;
  const logger = deps.logger.child({ component: 'connector' });

  async function toView(ref: InstallationRef, record: InstallationRecord): Promise<InstallationView> {
    const tokens = record.status === 'DISCONNECTED' ? null : await tokenStore.read(ref);
    return toInstallationView(record, tokens);
  }

  /** Best effort where the change itself is done (background paths): a failure is logged; the re-check period covers it. */
  async function endQuietly(ref: InstallationRef): Promise<void> {
    try {
      await options.endInstallation?.(ref);
    } catch (error) {
      logger.error({ err: error, partnerId: ref.partnerId, accountId: ref.accountId }, 'could not revoke sessions / publish the invalidation');
    }
  }

  async function emit(type: GatewayEventType, ref: InstallationRef, record: InstallationRecord | null, reason: string): Promise<void> {
    try {
      await events.emit({ kind: 'gateway', type, ref, reason, ...(record?.jobberAccountId ? { jobberAccountId: record.jobberAccountId } : {}) });
    } catch (error) {
      logger.error({ err: error, partnerId: ref.partnerId, accountId: ref.accountId, type }, 'could not queue a partner event');
    }
  }

  /** Moves an installation from one of `from` to `to`; `uninstall` also voids the install states issued so far. */
  async function setStatus(
    ref: InstallationRef,
    from: readonly InstallationStatus[],
    to: InstallationStatus,
    change: { lastError: string | null; uninstall?: boolean },
  ) {
    return installations.update(ref, (current, now) =>
      current === null || !from.includes(current.status)
        ? null
        : { ...current, status: to, lastError: change.lastError, updatedAt: now, ...(change.uninstall ? { generation: current.generation + 1 } : {}) },
    );
  }

  return {
    async view(ref: InstallationRef): Promise<InstallationView | null> {
      const record = await installations.get(ref);
      return record === null ? null : toView(ref, record);
    },

    async list(
      partnerId: string,
      page: { first?: number | null; after?: string | null; status?: InstallationStatus | null },
    ): Promise<{ nodes: InstallationView[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number }> {
      const first = page.first ?? 50;
      if (!Number.isInteger(first) || first < 0 || first > MAX_INSTALLATIONS_PAGE) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, `first must be an integer from 0 to ${MAX_INSTALLATIONS_PAGE}`);
      }
      const after = page.after ? decodeInstallationsCursor(page.after) : undefined;
      if (page.after && after === undefined) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'after is not a cursor of this list');
      // The whole index is read: the store has no "members after X", and a partner's installations
      // number in the thousands at most. Index entries without a record (interrupted creation) are skipped.
      const accountIds = await installations.listAccountIds(partnerId);
      const records = await installations.getMany(accountIds.map((accountId) => ({ partnerId, accountId })));
      const byId = new Map<string, InstallationRecord>();
      accountIds.forEach((accountId, index) => {
        const record = records[index];
        if (record && (!page.status || record.status === page.status)) byId.set(accountId, record);
      });
      const selected = selectInstallationsPage([...byId.keys()], { first, ...(after === undefined ? {} : { after }) });
      const nodes = await Promise.all(selected.ids.map((accountId) => toView({ partnerId, accountId }, byId.get(accountId) as InstallationRecord)));
      return { nodes, pageInfo: { hasNextPage: selected.hasNextPage, endCursor: selected.endCursor }, totalCount: byId.size };
    },

    /** Every installation in one Jobber account with the secret that signs its webhooks (several partners' apps may share an account). */
    async findByJobberAccountId(jobberAccountId: string): Promise<Array<{ ref: InstallationRef; clientSecret: string; installedAt: number | null }>> {
      const refs = await installations.listByJobberAccount(jobberAccountId);
      const records = await installations.getMany(refs);
      const settingsCache: SettingsReads = new Map();
      const found: Array<{ ref: InstallationRef; clientSecret: string; installedAt: number | null }> = [];
      for (const [index, ref] of refs.entries()) {
        const record = records[index] ?? null;
        // The index may hold a stale entry after a reinstall into another Jobber account.
        if (record?.jobberAccountId !== jobberAccountId) continue;
        const credentials = await credentialsOf(ref, record, settingsCache);
        if (credentials) found.push({ ref, clientSecret: credentials.clientSecret, installedAt: record.installedAt });
      }
      return found;
    },

    async uninstall(ref: InstallationRef): Promise<InstallationView> {
      const record = await installations.get(ref);
      if (record === null) throw new GatewayError(ErrorCode.CONNECTOR_NOT_INSTALLED, `No installation for account ${ref.accountId}`);
      const log = logger.child({ partnerId: ref.partnerId, accountId: ref.accountId });
      if (record.status === 'INSTALLED' || record.status === 'REAUTHORIZATION_REQUIRED') {
        // Best effort: the account may already have disconnected us, or Jobber may be down; we forget the tokens regardless.
        try {
          const token = await accessTokens.getAccessToken(ref);
          if (token.ok) {
            const result = await callJobberGraphql(options.jobber, token.accessToken, APP_DISCONNECT);
            if (result.ok) log.info('appDisconnect called at Jobber');
            else log.warn({ status: result.status, message: result.message }, 'appDisconnect at Jobber failed; uninstalling anyway');
          } else {
            log.warn({ reason: token.reason }, 'no access token for appDisconnect; uninstalling anyway');
          }
        } catch (error) {
          log.warn({ err: error }, 'appDisconnect at Jobber failed; uninstalling anyway');
        }
      }
      await tokenStore.delete(ref);
      accessTokens.forget(ref);
      const { previous, record: next } = await setStatus(ref, ['PENDING', 'INSTALLED', 'REAUTHORIZATION_REQUIRED', 'DISCONNECTED'], 'DISCONNECTED', { lastError: null, uninstall: true });
      // Not quietly: an uninstall that could not revoke the sessions fails, and the partner tries again.
      await options.endInstallation?.(ref);
      if (previous && previous.status !== 'DISCONNECTED') await emit('installation.disconnected', ref, previous, 'uninstalled by the partner');
      log.info('connector uninstalled');
      if (!next) throw new GatewayError(ErrorCode.CONNECTOR_NOT_INSTALLED, `No installation for account ${ref.accountId}`);
      return toInstallationView(next, null);
    },

    /** The account disconnected the app in Jobber (webhook, or Jobber's disconnect message): tokens go. */
    async markDisconnected(ref: InstallationRef, reason: string): Promise<void> {
      await tokenStore.delete(ref);
      accessTokens.forget(ref);
      const { changed, record } = await setStatus(ref, ['PENDING', 'INSTALLED', 'REAUTHORIZATION_REQUIRED'], 'DISCONNECTED', { lastError: reason });
      // Also when already DISCONNECTED: another process may have missed the first message.
      await endQuietly(ref);
      if (!changed) return;
      logger.warn({ partnerId: ref.partnerId, accountId: ref.accountId, reason }, 'installation disconnected');
      await emit('installation.disconnected', ref, record, reason);
    },
  };
}
