import type { Clock, Fetch } from '../core/deps';
import { buildGatewaySignature, buildStandardWebhookSignature, GATEWAY_SIGNATURE_HEADER, type PartnerEventPayload } from './partnerEventPayload';
import { checkWebhookTargetUrl, createWebhookDispatcher, findTargetRefusal, type HostLookup } from './webhookDispatcher';

export interface WebhookTarget {
  url: string;
  signingSecret: string;
}

/** Why a delivery failed, and whether trying again could ever help. */
export interface DeliveryFailure {
  error: string;
  /** True when another attempt cannot succeed (the target is refused): the event is recorded dead at once. */
  permanent: boolean;
}

export interface PartnerEventPosterOptions {
  fetch: Fetch;
  clock: Clock;
  /** Timeout of one delivery POST, ms. */
  timeoutMs: number;
  /** See PartnerEventQueueOptions.allowPrivateTargets. */
  allowPrivateTargets: boolean;
  lookup?: HostLookup;
}

/**
 * One delivery attempt to a partner's webhookUrl: refused targets are never connected to (see
 * webhookDispatcher.ts), every attempt is signed with its own time (Standard Webhooks) and with
 * X-Gateway-Signature, redirects are not followed. Resolves undefined when the partner answered 2xx.
 */
export function createPartnerEventPoster(options: PartnerEventPosterOptions): {
  post(target: WebhookTarget, payload: PartnerEventPayload): Promise<DeliveryFailure | undefined>;
  close(): Promise<void>;
} {
  const dispatcher = createWebhookDispatcher({ allowPrivateTargets: options.allowPrivateTargets, ...(options.lookup ? { lookup: options.lookup } : {}) });

  async function post(target: WebhookTarget, payload: PartnerEventPayload): Promise<DeliveryFailure | undefined> {
    const refused = checkWebhookTargetUrl(target.url, options.allowPrivateTargets);
    if (refused !== undefined) return { error: refused, permanent: true };
    const body = JSON.stringify(payload);
    const timestampSeconds = Math.floor(options.clock.now() / 1000);
    try {
      const response = await options.fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'jobber-gateway-webhooks',
          'x-gateway-event-id': payload.id,
          [GATEWAY_SIGNATURE_HEADER]: buildGatewaySignature(body, target.signingSecret),
          // Standard Webhooks: the same id on every attempt, the time of this attempt, both signed.
          'webhook-id': payload.id,
          'webhook-timestamp': String(timestampSeconds),
          'webhook-signature': buildStandardWebhookSignature(payload.id, timestampSeconds, body, target.signingSecret),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
        // The guarded pool (Node's fetch honours undici's `dispatcher`): see createWebhookDispatcher.
        dispatcher,
      } as RequestInit);
      // Only the status matters. The body is not read: a partner controls it and could stream without end.
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? undefined : { error: `HTTP ${response.status}`, permanent: false };
    } catch (error) {
      const refusal = findTargetRefusal(error);
      if (refusal !== undefined) return { error: refusal, permanent: true };
      // Duck-typed: the timeout's DOMException may come from another realm.
      const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
      return { error: timedOut ? `no answer within ${options.timeoutMs} ms` : 'unreachable', permanent: false };
    }
  }

  return { post, close: () => dispatcher.close().catch(() => undefined) };
}
