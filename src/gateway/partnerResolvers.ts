import type { KeyActor } from '../auth/partnerRegistry';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { MutationResolvers, PartnerResolvers, QueryResolvers } from '../generated/gateway';
import { assertAdmin, assertPartner } from './assertCaller';
import type { ReadOnce } from './localResolvers';
import type { Principal, RequestContext } from './requestContext';

/**
 * Whose keys or sessions a call changes, and as whom: a partner acts on itself with its key (`partnerId`
 * absent or its own id); the admin names the partner.
 */
function resolveTarget(principal: Principal, partnerId: string | null | undefined): { partnerId: string; actor: KeyActor } {
  if (principal.kind === 'admin') {
    if (!partnerId) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'The admin must name the partner: partnerId.');
    return { partnerId, actor: { kind: 'admin' } };
  }
  if (principal.kind !== 'partner') {
    assertPartner(principal); // anonymous: 401; a session: 403
    throw new GatewayError(ErrorCode.FORBIDDEN, 'Only a partner or the admin may manage keys and sessions.');
  }
  const { partner, keyId } = principal;
  if (partnerId && partnerId !== partner.id) throw new GatewayError(ErrorCode.FORBIDDEN, 'A partner may only manage its own keys and sessions.');
  return { partnerId: partner.id, actor: { kind: 'partner', keyId } };
}

/**
 * Partner administration and key lifecycle (issue 13): the admin lists, disables and enables partners;
 * keys rotate and revoke. The fields that read the store go through the request's read memo (`readOnce`,
 * localResolvers.ts), so aliases cannot multiply them: a partner's key list is read once per request
 * whether asked as `partnerApiKeys` or `Partner.apiKeys`.
 */
export function buildPartnerResolvers(readOnce: ReadOnce): {
  Query: Pick<QueryResolvers<RequestContext>, 'partnerApiKeys' | 'partners'>;
  Mutation: Pick<
    MutationResolvers<RequestContext>,
    'rotatePartnerApiKey' | 'revokePartnerApiKey' | 'revokeAccountSessions' | 'revokePartnerSessions' | 'disablePartner' | 'enablePartner'
  >;
  Partner: PartnerResolvers<RequestContext>;
} {
  return {
    Query: {
      partnerApiKeys: (_parent, _args, context) => {
        const partnerId = assertPartner(context.principal).id;
        return readOnce(context, `keys\u0000${partnerId}`, () => context.services.partners.listKeys(partnerId));
      },
      partners: (_parent, { first, after }, context) => {
        assertAdmin(context.principal, 'partners');
        const page = { first: first ?? 50, after };
        return readOnce(context, `partners\u0000${JSON.stringify([page.first, page.after ?? null])}`, () => context.services.partners.list(page));
      },
    },
    Mutation: {
      rotatePartnerApiKey: (_parent, { graceSeconds, partnerId }, { principal, services }) => {
        const target = resolveTarget(principal, partnerId);
        return services.partners.rotateKey(target.partnerId, graceSeconds ?? 3600, target.actor);
      },
      revokePartnerApiKey: (_parent, { keyId, partnerId }, { principal, services }) => {
        const target = resolveTarget(principal, partnerId);
        return services.partners.revokeKey(target.partnerId, keyId, target.actor);
      },
      revokeAccountSessions: async (_parent, { accountId }, { principal, services }) => {
        const partnerId = assertPartner(principal).id;
        const installation = await services.connector.getInstallation({ partnerId, accountId });
        if (!installation) throw new GatewayError(ErrorCode.CONNECTOR_NOT_INSTALLED, `No installation for account "${accountId}".`);
        await services.sessions.revokeAccount({ partnerId, accountId });
        return true;
      },
      revokePartnerSessions: async (_parent, { partnerId }, { principal, services }) => {
        const target = resolveTarget(principal, partnerId);
        if (!(await services.partners.get(target.partnerId))) throw new GatewayError(ErrorCode.BAD_USER_INPUT, `No partner with id "${target.partnerId}".`);
        await services.sessions.revokePartner(target.partnerId);
        return true;
      },
      disablePartner: (_parent, { partnerId }, { principal, services }) => {
        assertAdmin(principal, 'disablePartner');
        return services.partners.setDisabled(partnerId, true);
      },
      enablePartner: (_parent, { partnerId }, { principal, services }) => {
        assertAdmin(principal, 'enablePartner');
        return services.partners.setDisabled(partnerId, false);
      },
    },
    Partner: {
      apiKeys: (partner, _args, context) => {
        const { principal, services } = context;
        if (principal.kind !== 'admin' && assertPartner(principal).id !== partner.id) {
          throw new GatewayError(ErrorCode.FORBIDDEN, 'A partner may only read its own keys.');
        }
        // The admin reads the keys of every partner of a listed page: its own, larger pool.
        return readOnce(context, `keys\u0000${partner.id}`, () => services.partners.listKeys(partner.id), principal.kind === 'admin' ? 'partnerKeys' : 'fields');
      },
    },
  };
}
