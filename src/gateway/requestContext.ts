import type { Partner } from '../auth/partnerRegistry';
import type { InstallationRef } from '../core/installationRef';
import type { RequestScope } from '../observability/requestScope';
import type { GatewayServices } from './gatewayServices';

/** Who is calling, decided once per request from the Authorization header. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'admin' }
  /** `keyId`: which of the partner's API keys it used (only the current one may rotate or revoke keys). */
  | { kind: 'partner'; partner: Partner; keyId: string }
  /** A frontend session: bound to one installation, Jobber operations and its own installation only. */
  | { kind: 'session'; ref: InstallationRef };

/** The GraphQL context of one request. */
export interface RequestContext {
  principal: Principal;
  /** The `X-Account-Id` header as sent (validated lazily: only Jobber fields need it). */
  accountIdHeader: string | undefined;
  services: GatewayServices;
  /** `extensions` of every Jobber response of this request, passed through to the client. */
  jobberExtensions: Record<string, unknown>[];
  /**
   * The text Apollo runs instead of the request's own: the document a persisted query's hash named
   * (trusted documents; set by the context function, applied by the trusted document plugin).
   */
  admittedQuery?: string;
  /** The request's scope (request id, span), handed to every Jobber call the operation makes. */
  scope?: RequestScope | undefined;
}
