import { makeExecutableSchema } from '@graphql-tools/schema';
import { addMocksToSchema, createMockStore, type IMockStore } from '@graphql-tools/mock';
import { assertValidSchema, buildASTSchema, isScalarType, parse, type GraphQLSchema } from 'graphql';
import { newClient, newJob, newProperty, type AccountData, type Rec } from './accountData';
import { paginate, type ConnectionArgs } from './paginate';
import type { SandboxApp } from './sandboxState';

/** What every resolver sees: the calling account's data and app, and how to disconnect them. */
export interface SandboxContext {
  data: AccountData;
  app: SandboxApp;
  /** Kills the calling grant's tokens (the `appDisconnect` mutation). */
  disconnect(): void;
  now(): number;
}

export interface SandboxSchema {
  schema: GraphQLSchema;
  /** Drops generated mock values (they accumulate per distinct query; the sandbox calls this now and then). */
  resetMocks(): void;
}

/** Values for Jobber's custom scalars where a field is mocked (built-in scalars have defaults). */
const SCALAR_MOCKS: Record<string, () => unknown> = {
  EncodedId: () => Buffer.from(`gid://Jobber/Mock/${Math.floor(Math.random() * 1e9)}`).toString('base64'),
  ISO8601DateTime: () => '2024-01-01T09:00:00Z',
  ISO8601Date: () => '2024-01-01',
  ISO8601Time: () => '09:00:00',
  BigInt: () => 1,
  EmailAddress: () => 'someone@example.com',
  FriendlyPhoneNumber: () => '(555) 555-0100',
  ICalendarRule: () => 'RRULE:FREQ=WEEKLY',
  JSON: () => ({}),
  Minutes: () => 30,
  Seconds: () => 60,
  Timezone: () => 'America/Edmonton',
  Url: () => 'https://example.com',
};

const BUILT_IN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

type Args = ConnectionArgs & Record<string, unknown>;
type Resolver = (parent: Rec, args: Args, context: SandboxContext) => unknown;

const ofType = (typename: string) => (parent: unknown, args: { id?: string }, ctx: SandboxContext) => {
  const rec = args.id ? ctx.data.byId.get(args.id) : undefined;
  return rec?.__typename === typename ? rec : null;
};
const search = (items: Rec[], term: unknown) =>
  typeof term === 'string' && term ? items.filter((r) => JSON.stringify(r).toLowerCase().includes(term.toLowerCase())) : items;
const list = (key: keyof AccountData) => (_: unknown, args: Args, ctx: SandboxContext) =>
  paginate(search(ctx.data[key] as Rec[], args.searchTerm), args);
const byParent = (key: keyof AccountData, field: 'clientId' | 'propertyId'): Resolver => (parent, args, ctx) =>
  paginate((ctx.data[key] as Rec[]).filter((r) => r[field] === parent.id), args);
const related = (field: 'clientId' | 'propertyId'): Resolver => (parent, _args, ctx) =>
  ctx.data.byId.get(parent[field] as string) ?? null;

/**
 * Builds the sandbox's executable schema once: Jobber's SDL as is, real resolvers for the account's
 * data and the four mutations, every other field mocked from its type.
 */
export function buildSandboxSchema(sdl: string): SandboxSchema {
  // Building the schema ourselves skips makeExecutableSchema's type-definition merging, which
  // doubles the start time on a 20k-line SDL and has nothing to merge here. The SDL is Jobber's own
  // introspection output, so its SDL rules are not re-checked; the built schema is validated below.
  const typeDefs = buildASTSchema(parse(sdl, { noLocation: true }), { assumeValidSDL: true });
  const base = makeExecutableSchema({ typeDefs, resolvers: buildResolvers() });
  const mocks: Record<string, () => unknown> = {};
  for (const type of Object.values(base.getTypeMap())) {
    // Built-in scalars keep the mock library's defaults; any other custom scalar gets a stand-in.
    if (isScalarType(type) && !BUILT_IN_SCALARS.has(type.name)) mocks[type.name] = SCALAR_MOCKS[type.name] ?? (() => type.name);
  }
  const store: IMockStore = createMockStore({ schema: base, mocks });
  const schema = addMocksToSchema({ schema: base, store, preserveResolvers: true });
  // Validate now (graphql-js caches the result): a bad snapshot fails at start, not on the first request.
  assertValidSchema(schema);
  return { schema, resetMocks: () => store.reset() };
}

function buildResolvers() {
  return {
    Query: {
      account: (_: unknown, __: unknown, ctx: SandboxContext) => ctx.data.account,
      user: (_: unknown, args: { id?: string }, ctx: SandboxContext) => (args.id ? ofType('User')(_, args, ctx) : ctx.data.user),
      users: (_: unknown, args: Args, ctx: SandboxContext) => paginate([ctx.data.user], args),
      clients: list('clients'),
      client: ofType('Client'),
      jobs: list('jobs'),
      job: ofType('Job'),
      quotes: list('quotes'),
      quote: ofType('Quote'),
      invoices: list('invoices'),
      invoice: ofType('Invoice'),
      properties: list('properties'),
      property: ofType('Property'),
      requests: list('requests'),
      request: ofType('Request'),
    },
    Account: {
      accountOwner: (_: Rec, __: Args, ctx: SandboxContext) => ctx.data.user,
      currentUser: (_: Rec, __: Args, ctx: SandboxContext) => ctx.data.user,
    },
    User: { account: (_: Rec, __: Args, ctx: SandboxContext) => ctx.data.account },
    Client: {
      clientProperties: byParent('properties', 'clientId'),
      properties: (parent: Rec, _: Args, ctx: SandboxContext) => ctx.data.properties.filter((p) => p.clientId === parent.id),
      jobs: byParent('jobs', 'clientId'),
      quotes: byParent('quotes', 'clientId'),
      invoices: byParent('invoices', 'clientId'),
      requests: byParent('requests', 'clientId'),
    },
    Property: {
      client: related('clientId'),
      jobs: byParent('jobs', 'propertyId'),
      quotes: byParent('quotes', 'propertyId'),
      requests: byParent('requests', 'propertyId'),
    },
    Job: { client: related('clientId'), property: related('propertyId') },
    Quote: { client: related('clientId'), property: related('propertyId') },
    Invoice: { client: related('clientId') },
    Request: { client: related('clientId'), property: related('propertyId') },
    Mutation: buildMutations(),
  };
}

type ClientInput = {
  firstName?: string | null;
  lastName?: string | null;
  companyName?: string | null;
  isCompany?: boolean | null;
  title?: string | null;
  properties?: { address?: Record<string, string | null> | null }[] | null;
};

function buildMutations() {
  return {
    clientCreate: (_: unknown, { input }: { input: ClientInput }, ctx: SandboxContext) => {
      if (!input.firstName && !input.lastName && !input.companyName) {
        return { client: null, userErrors: [{ message: 'Client must have a name or a company name', path: ['input'] }] };
      }
      const { data } = ctx;
      const n = ++data.sequence.Client;
      const client = newClient(data.account.id, n, input, new Date(ctx.now()).toISOString());
      data.clients.push(client);
      data.byId.set(client.id, client);
      for (const property of input.properties ?? []) {
        const rec = newProperty(data.account.id, ++data.sequence.Property, client.id, property.address ?? {});
        data.properties.push(rec);
        data.byId.set(rec.id, rec);
        (client.propertyIds as string[]).push(rec.id);
      }
      return { client, userErrors: [] };
    },
    clientEdit: (_: unknown, { clientId, input }: { clientId: string; input: ClientInput }, ctx: SandboxContext) => {
      const client = ctx.data.byId.get(clientId);
      if (client?.__typename !== 'Client') return { client: null, userErrors: [{ message: 'Client not found', path: ['clientId'] }] };
      for (const key of ['firstName', 'lastName', 'companyName', 'isCompany', 'title'] as const) {
        if (input[key] !== undefined) client[key] = input[key];
      }
      client.name = client.isCompany && client.companyName ? client.companyName : `${client.firstName} ${client.lastName}`.trim();
      client.updatedAt = new Date(ctx.now()).toISOString();
      return { client, userErrors: [] };
    },
    jobCreate: (_: unknown, { input }: { input: { propertyId: string; title?: string | null; instructions?: string | null } }, ctx: SandboxContext) => {
      const property = ctx.data.byId.get(input.propertyId);
      if (property?.__typename !== 'Property') return { job: null, userErrors: [{ message: 'Property not found', path: ['input', 'propertyId'] }] };
      const { data } = ctx;
      const job = newJob(
        data.account.id,
        ++data.sequence.Job,
        { clientId: property.clientId as string, propertyId: property.id, title: input.title ?? null, instructions: input.instructions ?? null },
        new Date(ctx.now()).toISOString(),
      );
      data.jobs.push(job);
      data.byId.set(job.id, job);
      return { job, userErrors: [] };
    },
    appDisconnect: (_: unknown, __: unknown, ctx: SandboxContext) => {
      ctx.disconnect();
      return { app: { id: ctx.app.id, name: ctx.app.name }, userErrors: [] };
    },
  };
}
