import { isValidAccountId, type InstallationRef } from '../core/installationRef';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Principal } from './requestContext';

/** The installation a Jobber field runs against: the session's own, or the partner's `X-Account-Id`. */
export function resolveAccountRef(principal: Principal, accountIdHeader: string | undefined): InstallationRef {
  switch (principal.kind) {
    case 'session':
      return principal.ref;
    case 'partner':
      if (accountIdHeader === undefined) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'Jobber fields need the header X-Account-Id: <accountId>.');
      }
      if (!isValidAccountId(accountIdHeader)) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'X-Account-Id must be 1-128 characters of [A-Za-z0-9._:-].');
      }
      return { partnerId: principal.partner.id, accountId: accountIdHeader };
    case 'admin':
      throw new GatewayError(ErrorCode.FORBIDDEN, 'The admin key cannot query Jobber; use a partner API key.');
    case 'anonymous':
      throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'Send Authorization: Bearer <partner API key or session token>.');
  }
}
