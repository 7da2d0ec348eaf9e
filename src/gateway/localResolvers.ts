import { GraphQLScalarType, Kind } from 'graphql';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { Resolvers } from '../generated/gateway';
import { assertAdmin, assertPartner } from './assertCaller';
import { buildTrustedDocumentResolvers } from '../trusted/trustedDocumentResolvers';
import { buildPartnerResolvers } from './partnerResolvers';
import type { RequestContext } from './requestContext';

/** Reads a local field makes once per request: see createRequestReads. */
export type ReadOnce = <T>(context: RequestContext, key: string, read: () => Promise<T>, pool?: ReadPool) => Promise<T>;

/**
 * Which allowance a read counts against: `fields` (settings, installations, a partner's own keys, partner
 * lists: maxStoreReads), `partnerKeys` (the admin reading the keys of listed partners: one page holds up
 * to 100 partners, so MAX_PARTNER_KEY_READS).
 */
export type ReadPool = 'fields' | 'partnerKeys';

/** Partner key lists one request may read for the `Partner.apiKeys` of listed partners (a page of partners is at most 100). */
export const MAX_PARTNER_KEY_READS = 100;

/**
 * Per-request memo of local reads. Aliases can select one store-reading field thousands of times in a
 * few KB: identical reads (same field, same arguments; the caller is fixed per request) share one
 * promise, and past its pool's allowance of distinct reads a field answers TOO_MANY_STORE_READS without
 * touching the store. Keyed by the request's context object, so nothing outlives the request (WeakMap).
 */
export function createRequestReads(maxReads: number): ReadOnce {
  const byRequest = new WeakMap<RequestContext, { reads: Map<string, Promise<unknown>>; used: Record<ReadPool, number> }>();
  const allowance: Record<ReadPool, number> = { fields: maxReads, partnerKeys: MAX_PARTNER_KEY_READS };
  return function readOnce<T>(context: RequestContext, key: string, read: () => Promise<T>, pool: ReadPool = 'fields'): Promise<T> {
    let request = byRequest.get(context);
    if (!request) byRequest.set(context, (request = { reads: new Map(), used: { fields: 0, partnerKeys: 0 } }));
    const known = request.reads.get(key);
    if (known) return known as Promise<T>;
    if (request.used[pool] >= allowance[pool]) {
      const maximum = allowance[pool];
      throw new GatewayError(
        ErrorCode.TOO_MANY_STORE_READS,
        pool === 'fields'
          ? `One operation may read at most ${maximum} distinct connector settings, installations, key lists or partner pages; split it into several requests.`
          : `One operation may read the keys of at most ${maximum} partners; split it into several requests.`,
        { extensions: { maximumStoreReads: maximum } },
      );
    }
    request.used[pool]++;
    const promise = read();
    request.reads.set(key, promise);
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
  const trusted = buildTrustedDocumentResolvers();
  const readOnce = createRequestReads(options.maxStoreReads ?? DEFAULT_MAX_STORE_READS);
  const partners = buildPartnerResolvers(readOnce);
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
