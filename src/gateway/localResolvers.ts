import { GraphQLScalarType, Kind } from 'graphql';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Resolvers } from '../generated/gateway';
import { assertAdmin, assertPartner } from './assertCaller';
import { buildPartnerResolvers } from './partnerResolvers';
import type { RequestContext } from './requestContext';

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 date-time in UTC.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string | number);
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    const date = new Date(value as string);
    if (typeof value !== 'string' || Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string');
    return date;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value))) throw new TypeError('DateTime must be an ISO-8601 string');
    return new Date(ast.value);
  },
});

/** Thin resolvers of schema/gateway.graphql: check who may call, then hand over to the services. */
export function buildLocalResolvers(): Resolvers<RequestContext> {
  const partners = buildPartnerResolvers();
  return {
    DateTime,
    Partner: partners.Partner,
    Query: {
      ...partners.Query,
      connectorSettings: (_parent, _args, { principal, services }) => services.connector.getSettings(assertPartner(principal).id),
      connectorInstallation: async (_parent, { accountId }, { principal, services }) => {
        if (principal.kind === 'session') {
          if (accountId !== principal.ref.accountId) {
            throw new GatewayError(ErrorCode.FORBIDDEN, 'This account session may only read its own installation.');
          }
          return services.connector.getInstallation(principal.ref);
        }
        return services.connector.getInstallation({ partnerId: assertPartner(principal).id, accountId });
      },
      connectorInstallations: (_parent, { first, after, status }, { principal, services }) => {
        const size = first ?? 50;
        if (!Number.isInteger(size) || size < 1 || size > 100) {
          throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'first must be from 1 to 100.');
        }
        return services.connector.listInstallations(assertPartner(principal).id, { first: size, after, status });
      },
    },
    Mutation: {
      ...partners.Mutation,
      createPartner: (_parent, { name }, { principal, services }) => {
        assertAdmin(principal, 'createPartner');
        return services.partners.createPartner(name);
      },
      updateConnectorSettings: (_parent, { input }, { principal, services }) =>
        services.connector.updateSettings(assertPartner(principal).id, input),
      installConnector: (_parent, { input }, { principal, services }) => services.connector.install(assertPartner(principal).id, input),
      uninstallConnector: (_parent, { accountId }, { principal, services }) =>
        services.connector.uninstall({ partnerId: assertPartner(principal).id, accountId }),
      rotateWebhookSigningSecret: (_parent, _args, { principal, services }) =>
        services.signingSecrets.rotate(assertPartner(principal).id),
      createAccountSession: async (_parent, { accountId, ttlSeconds }, { principal, services }) => {
        const ref = { partnerId: assertPartner(principal).id, accountId };
        const installation = await services.connector.getInstallation(ref);
        if (installation?.status !== 'INSTALLED') {
          throw new GatewayError(ErrorCode.CONNECTOR_NOT_INSTALLED, `The connector is not installed for account "${accountId}".`);
        }
        return services.sessions.create(ref, ttlSeconds ?? 900);
      },
    },
  };
}
