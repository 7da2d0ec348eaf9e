import { buildSchema } from 'graphql';
import { createFastPathCache } from '../../../src/gateway/fastPathCache';

const jobberSchema = buildSchema(`
  type Query { account: Account, clients(first: Int): [Client!]! }
  type Mutation { clientCreate(name: String!): Client }
  type Account { id: ID!, name: String! }
  type Client { id: ID!, name: String! }
`);
const localSchema = buildSchema(`
  type Query { connectorSettings: Settings! }
  type Settings { clientId: String }
`);
// The gateway's schema: Jobber's plus a local root field and a local type.
const gatewaySchema = buildSchema(`
  type Query { account: Account, clients(first: Int): [Client!]!, connectorSettings: Settings! }
  type Mutation { clientCreate(name: String!): Client }
  type Account { id: ID!, name: String! }
  type Client { id: ID!, name: String! }
  type Settings { clientId: String }
`);

describe('createFastPathCache', () => {
  test.each([
    ['a valid all-Jobber query', '{ account { id } }', null, 'forward'],
    ['a valid Jobber mutation', 'mutation { clientCreate(name: "x") { id } }', null, 'forward'],
    ['a local root field', '{ connectorSettings { clientId } }', null, 'stitch'],
    ['a query that does not parse', '{ account { id ', null, 'stitch'],
    ['a query that fails validation', '{ account { nope } }', null, 'stitch'],
    ['a document valid for the gateway but not for Jobber', 'query A { account { id } } query B { connectorSettings { clientId } }', 'A', 'stitch'],
    ['a mixed query', '{ account { id } connectorSettings { clientId } }', null, 'split'],
  ])('when the query is %s, then the plan is %s', (_label, query, operationName, expected) => {
    const cache = createFastPathCache({ gatewaySchema, jobberSchema, localSchema });
    expect(cache.lookup(query, operationName).kind).toBe(expected);
  });

  test('when the same query text comes again, then the cached document is reused', () => {
    const cache = createFastPathCache({ gatewaySchema, jobberSchema, localSchema });
    const first = cache.lookup('{ account { id } }', null);
    const second = cache.lookup('{ account { id } }', null);
    expect(first.kind === 'forward' && second.kind === 'forward' && first.document === second.document).toBe(true);
  });

  test('when more query texts than maxEntries come, then the least recently used is dropped', () => {
    const cache = createFastPathCache({ gatewaySchema, jobberSchema, localSchema, maxEntries: 2 });
    const a = cache.lookup('{ a: account { id } }', null);
    cache.lookup('{ b: account { id } }', null);
    cache.lookup('{ a: account { id } }', null); // a is now the most recent
    cache.lookup('{ c: account { id } }', null); // drops b
    expect(cache.size).toBe(2);
    const againA = cache.lookup('{ a: account { id } }', null);
    expect(a.kind === 'forward' && againA.kind === 'forward' && a.document === againA.document).toBe(true);
  });

  test('when the cached texts would pass maxBytes, then the least recently used are dropped until they fit', () => {
    const cache = createFastPathCache({ gatewaySchema, jobberSchema, localSchema, maxBytes: 50 });
    cache.lookup('{ a: account { id } }', null); // 21 characters
    cache.lookup('{ b: account { id } }', null);
    expect(cache.bytes).toBe(42);
    cache.lookup('{ c: account { id } }', null);
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBe(42);
  });

  test('when a document has named operations, then each name gets its own decision and a missing or empty name goes to Apollo', () => {
    const cache = createFastPathCache({ gatewaySchema, jobberSchema, localSchema });
    const query = 'query A { account { id } } query B { connectorSettings { clientId } }';
    expect(cache.lookup(query, 'B').kind).toBe('stitch');
    expect(cache.lookup(query, null).kind).toBe('stitch');
    expect(cache.lookup(query, '').kind).toBe('stitch');
    const single = 'query A { account { id } }';
    expect(cache.lookup(single, null).kind).toBe('forward');
    expect(cache.lookup(single, 'A').kind).toBe('forward');
    expect(cache.lookup(single, '').kind).toBe('stitch');
    expect(cache.size).toBe(2);
  });

  test('when a query text is longer than maxCachedQueryLength, then it is planned but not kept', () => {
    const cache = createFastPathCache({ gatewaySchema, jobberSchema, localSchema, maxCachedQueryLength: 10 });
    expect(cache.lookup('{ account { id } }', null).kind).toBe('forward');
    expect(cache.size).toBe(0);
  });
});
