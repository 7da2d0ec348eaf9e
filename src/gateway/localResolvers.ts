import { GraphQLScalarType, Kind } from 'graphql';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Resolvers } from '../generated/gateway';
import { assertAdmin, assertPartner } from './assertCaller';
import { buildTrustedDocumentResolvers } from '../trusted/trustedDocumentResolvers';
import { buildPartnerResolvers } from './partnerResolvers';
import type { RequestContext } from './requestContext';

/**
 * Per-request memo of local reads. Aliases can select one store-reading field thousands of times in a
 * few KB: identical reads (same field, same arguments; the caller is fixed per request) share one
 * promise, and past `maxReads` distinct reads a field answers TOO_MANY_STORE_READS without touching the
 * store. Keyed by the request's context object, so nothing outlives the request (WeakMap).
 */
function createRequestReads(maxReads: number) {
  const byRequest = new WeakMap<RequestContext, Map<string, Promise<unknown>>>();
  return function readOnce<T>(context: RequestContext, key: string, read: () => Promise<T>): Promise<T> {
    let reads = byRequest.get(context);
    if (!reads) byRequest.set(context, (reads = new Map()));
    const known = reads.get(key);
    if (known) return known as Promise<T>;
    if (reads.size >= maxReads) {
      throw new GatewayError(
        ErrorCode.TOO_MANY_STORE_READS,
        `One operation may read at most ${maxReads} distinct connector settings or installations; split it into several requests.`,
        { extensions: { maximumStoreReads: maxReads } },
      );
    }
    const promise = read();
    reads.set(key, promise);
    return promise;
  };
}

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

export interface LocalResolverOptions {
  /** Distinct store reads (local Query fields with distinct arguments) one operation may make. Default 50. */
  maxStoreReads?: number;
}

export const DEFAULT_MAX_STORE_READS = 50;

/** Thin resolvers of schema/gateway.graphql: check who may call, then hand over to the services. */
export function buildLocalResolvers(options: LocalResolverOptions = {}): Resolvers<RequestContext> {
  const partners = buildPartnerResolvers();
  const trusted = buildTrustedDocumentResolvers();
  const readOnce = createRequestReads(options.maxStoreReads ?? DEFAULT_MAX_STORE_READS);
  return {
    DateTime,
    Partner: partners.Partner,
    Query: {
      ...partners.Query,
      ...trusted.Query,
      connectorSettings: (_parent, _args, context) => {
        const partnerId = assertPartner(context.principal).id;
        return readOnce(context, 'settings', () => context.services.connector.getSettings(partnerId));
      },
      connectorInstallation: async (_parent, { accountId }, context) => {
        const { principal, services } = context;
        if (principal.kind === 'session') {
          if (accountId !== principal.ref.accountId) {
            throw new GatewayError(ErrorCode.FORBIDDEN, 'This account session may only read its own installation.');
          }
          return readOnce(context, `installation\u0000${accountId}`, () => services.connector.getInstallation(principal.ref));
        }
        const partnerId = assertPartner(principal).id;
        return readOnce(context, `installation\u0000${accountId}`, () => services.connector.getInstallation({ partnerId, accountId }));
      },
      connectorInstallations: (_parent, { first, after, status }, context) => {
        const size = first ?? 50;
        if (!Number.isInteger(size) || size < 1 || size > 100) {
          throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'first must be from 1 to 100.');
        }
        const partnerId = assertPartner(context.principal).id;
        const key = `installations\u0000${JSON.stringify([size, after ?? null, status ?? null])}`;
        return readOnce(context, key, () => context.services.connector.listInstallations(partnerId, { first: size, after, status }));
      },
    },
    Mutation: {
      ...partners.Mutation,
      ...trusted.Mutation,
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
