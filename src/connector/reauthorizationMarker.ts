import type { Deps } from '../core/deps';
import type { InstallationRef } from '../core/installationRef';
import type { PartnerEventSink } from '../core/partnerEvents';
import type { InstallationStore } from './installationStore';

export interface ReauthorizationMarkerOptions {
  deps: Pick<Deps, 'logger'>;
  installations: InstallationStore;
  events: PartnerEventSink;
  /** After the status changed: revokes the account's sessions and tells every process (installationLifecycle's endInstallation). */
  endInstallation?(ref: InstallationRef): Promise<void>;
}

/**
 * What the token refresher calls when Jobber refused a refresh token for good: an INSTALLED installation
 * becomes REAUTHORIZATION_REQUIRED (any other status stays) and the partner hears of it. The refresher
 * has already dropped its cached access token. It needs only the store and the event queue, so the app
 * builds it before the refresher (the connector, which needs the refresher, comes after).
 */
export function createReauthorizationMarker(options: ReauthorizationMarkerOptions): (ref: InstallationRef, reason: string) => Promise<void> {
  const { installations, events } = options;
  const logger = options.deps.logger.child({ component: 'connector' });
  return async (ref, reason) => {
    const { changed, record } = await installations.update(ref, (current, now) =>
      current?.status === 'INSTALLED' ? { ...current, status: 'REAUTHORIZATION_REQUIRED', lastError: reason, updatedAt: now } : null,
    );
    if (!changed) return;
    try {
      await options.endInstallation?.(ref);
    } catch (error) {
      // Best effort: the status is already changed; every process's re-check period covers a lost message.
      logger.error({ err: error, partnerId: ref.partnerId, accountId: ref.accountId }, 'could not revoke sessions / publish the invalidation');
    }
    logger.warn({ partnerId: ref.partnerId, accountId: ref.accountId, reason }, 'installation needs reauthorization');
    try {
      await events.emit({ kind: 'gateway', type: 'installation.reauthorization_required', ref, reason, ...(record?.jobberAccountId ? { jobberAccountId: record.jobberAccountId } : {}) });
    } catch (error) {
      logger.error({ err: error, partnerId: ref.partnerId, accountId: ref.accountId, type: 'installation.reauthorization_required' }, 'could not queue a partner event');
    }
  };
}
