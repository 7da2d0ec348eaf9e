import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { stitchSchemas } from '@graphql-tools/stitch';
import type { Executor } from '@graphql-tools/utils';
import { buildSchema, GraphQLSchema } from 'graphql';
import { buildLocalResolvers, type LocalResolverOptions } from './localResolvers';
import { parseJobberSchemaVersion } from './jobberSchemaHeader';
import type { RequestContext } from './requestContext';

const schemaDir = resolve(__dirname, '../../schema');

export interface JobberSchemaSnapshot {
  schema: GraphQLSchema;
  /** The API version the snapshot was taken at (from its header). */
  version: string;
}

/** Loads `schema/jobber.graphql` once at start (about 20k lines). */
export function loadJobberSchema(path = resolve(schemaDir, 'jobber.graphql')): JobberSchemaSnapshot {
  const sdl = readFileSync(path, 'utf8');
  const version = parseJobberSchemaVersion(sdl);
  if (!version) throw new Error(`${path} has no "X-JOBBER-GRAPHQL-VERSION: YYYY-MM-DD" header line`);
  return { schema: buildSchema(sdl, { assumeValidSDL: true }), version };
}

export function loadLocalTypeDefs(path = resolve(schemaDir, 'gateway.graphql')): string {
  return readFileSync(path, 'utf8');
}

/** Root fields that both schemas define: the gateway refuses to start when there is any. */
export function findRootFieldCollisions(jobber: GraphQLSchema, local: GraphQLSchema): string[] {
  const collisions: string[] = [];
  for (const [operation, remoteType, localType] of [
    ['Query', jobber.getQueryType(), local.getQueryType()],
    ['Mutation', jobber.getMutationType(), local.getMutationType()],
  ] as const) {
    const remoteFields = remoteType?.getFields() ?? {};
    for (const name of Object.keys(localType?.getFields() ?? {})) {
      if (name in remoteFields) collisions.push(`${operation}.${name}`);
    }
  }
  return collisions;
}

/** The gateway's own schema (settings, install, sessions) with its resolvers. */
export function buildLocalSchema(localTypeDefs: string, resolverOptions: LocalResolverOptions = {}): GraphQLSchema {
  return makeExecutableSchema<RequestContext>({ typeDefs: localTypeDefs, resolvers: buildLocalResolvers(resolverOptions) as never });
}

/**
 * Jobber's schema (executed remotely, without its Subscription root: the gateway serves none) stitched
 * with the local schema. The executor goes straight into the subschema config, so delegation happens
 * once; `batch` sends all Jobber root fields of one operation as one request. Subscription is dropped
 * from Jobber's schema before stitching rather than by a FilterRootFields transform: same schema, and
 * startup saves the transform's extra copy of Jobber's types (about 100 ms).
 */
export function buildGatewaySchema(options: {
  jobber: GraphQLSchema;
  /** From buildLocalSchema. */
  local: GraphQLSchema;
  executor: Executor<RequestContext>;
}): GraphQLSchema {
  const { local } = options;
  const collisions = findRootFieldCollisions(options.jobber, local);
  if (collisions.length > 0) {
    throw new Error(`Local root fields collide with Jobber's: ${collisions.join(', ')}. Rename them in schema/gateway.graphql.`);
  }
  return stitchSchemas({
    subschemas: [{ schema: withoutSubscription(options.jobber), executor: options.executor as Executor, batch: true }, { schema: local }],
  });
}

/** The schema without its Subscription root type (a root type with no fields is not a valid schema either). */
export function withoutSubscription(schema: GraphQLSchema): GraphQLSchema {
  const subscription = schema.getSubscriptionType();
  if (!subscription) return schema;
  const config = schema.toConfig();
  return new GraphQLSchema({ ...config, subscription: null, types: config.types.filter((type) => type !== subscription) });
}
