import type { Partner } from '../auth/partnerRegistry';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Principal } from './requestContext';

/** The calling partner; anyone else is refused (anonymous 401, admin and sessions 403). */
export function assertPartner(principal: Principal): Partner {
  if (principal.kind === 'partner') return principal.partner;
  if (principal.kind === 'anonymous') {
    throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'Send Authorization: Bearer <partner API key>.');
  }
  throw new GatewayError(
    ErrorCode.FORBIDDEN,
    principal.kind === 'admin' ? 'The admin key may only manage partners.' : 'An account session may only run Jobber operations.',
  );
}

/** Only the admin key (ADMIN_API_KEY) may go on. */
export function assertAdmin(principal: Principal, field: string): void {
  if (principal.kind === 'admin') return;
  throw principal.kind === 'anonymous'
    ? new GatewayError(ErrorCode.UNAUTHENTICATED, `${field} needs Authorization: Bearer <ADMIN_API_KEY>.`)
    : new GatewayError(ErrorCode.FORBIDDEN, `Only the admin key may use ${field}.`);
}
