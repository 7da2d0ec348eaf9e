import type { MutationResolvers, QueryResolvers } from '../generated/gateway';
import { assertPartner } from '../gateway/assertCaller';
import type { RequestContext } from '../gateway/requestContext';

/**
 * Trusted documents (issue 13): only a partner's API key lists, registers, removes and switches them (an
 * account session is refused with FORBIDDEN, the admin too: it has no partner).
 */
export function buildTrustedDocumentResolvers(): {
  Query: Pick<QueryResolvers<RequestContext>, 'trustedDocuments' | 'trustedDocumentsPolicy'>;
  Mutation: Pick<MutationResolvers<RequestContext>, 'registerTrustedDocuments' | 'removeTrustedDocuments' | 'setTrustedDocumentsOnly'>;
} {
  return {
    Query: {
      trustedDocuments: (_parent, { first, after }, { principal, services }) =>
        services.trustedDocuments.list(assertPartner(principal).id, { first: first ?? 50, after }),
      trustedDocumentsPolicy: (_parent, _args, { principal, services }) => services.trustedDocuments.policy(assertPartner(principal).id),
    },
    Mutation: {
      registerTrustedDocuments: (_parent, { documents }, { principal, services }) => services.trustedDocuments.register(assertPartner(principal).id, documents),
      removeTrustedDocuments: (_parent, { hashes }, { principal, services }) => services.trustedDocuments.remove(assertPartner(principal).id, hashes),
      setTrustedDocumentsOnly: (_parent, { enabled }, { principal, services }) => services.trustedDocuments.setOnly(assertPartner(principal).id, enabled),
    },
  };
}
