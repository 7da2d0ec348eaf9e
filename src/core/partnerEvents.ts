import type { InstallationRef } from './installationRef';

/** The gateway's own events, delivered to the partner's `webhookUrl` next to Jobber's (DESIGN.md "Webhooks"). */
export type GatewayEventType =
  | 'installation.installed'
  | 'installation.reauthorization_required'
  | 'installation.disconnected';

export type PartnerEvent =
  | { kind: 'gateway'; type: GatewayEventType; ref: InstallationRef; jobberAccountId?: string; reason?: string }
  | {
      kind: 'jobber';
      ref: InstallationRef;
      jobberAccountId: string;
      topic: string;
      itemId?: string;
      occurredAt: string;
    };

/**
 * Where components report events for partners. The webhooks module implements it with a durable queue
 * in the store; `emit` resolves once the event is durably queued, not delivered.
 */
export interface PartnerEventSink {
  emit(event: PartnerEvent): Promise<void>;
}
