import type { InstallationRef } from '../core/installationRef';
import type { PartnerEventSink } from '../core/partnerEvents';
import type { VerifiedJobberWebhook } from './jobberWebhookRouter';

export interface JobberWebhookHandlerOptions {
  /**
   * Marks the installation DISCONNECTED and deletes its tokens (the connector's `markDisconnected`);
   * it also tells the partner (`installation.disconnected`), so this handler does not.
   */
  markDisconnected(ref: InstallationRef, reason: string): Promise<void>;
  sink: PartnerEventSink;
}

/**
 * The work behind a verified Jobber webhook: APP_DISCONNECT ends the installation; every event,
 * that one included, is queued for the partner's `webhookUrl`.
 */
export function createJobberWebhookHandler(options: JobberWebhookHandlerOptions): (event: VerifiedJobberWebhook) => Promise<void> {
  return async (event) => {
    if (event.topic === 'APP_DISCONNECT') {
      await options.markDisconnected(event.ref, 'The account disconnected the app in Jobber (APP_DISCONNECT).');
    }
    await options.sink.emit({
      kind: 'jobber',
      ref: event.ref,
      jobberAccountId: event.jobberAccountId,
      topic: event.topic,
      ...(event.itemId === undefined ? {} : { itemId: event.itemId }),
      occurredAt: event.occurredAt,
    });
  };
}
