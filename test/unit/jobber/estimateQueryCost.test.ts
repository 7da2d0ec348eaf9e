import { buildSchema, parse } from 'graphql';
import { estimateQueryCost } from '../../../src/jobber/estimateQueryCost';

// A miniature of Jobber's shapes: connections with nodes/edges, plain object fields, lists.
const schema = buildSchema(`
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type Amounts { total: Float! subtotal: Float! }
  type LineItem { id: ID! name: String! }
  type LineItemConnection { nodes: [LineItem!]! edges: [LineItemEdge!] pageInfo: PageInfo! totalCount: Int! }
  type LineItemEdge { cursor: String! node: LineItem! }
  type Quote { id: ID! title: String quoteNumber: String! quoteStatus: String! createdAt: String!
    amounts: Amounts! lineItems(first: Int, last: Int, after: String): LineItemConnection! }
  type QuoteConnection { nodes: [Quote!]! edges: [QuoteEdge!] pageInfo: PageInfo! totalCount: Int! }
  type QuoteEdge { cursor: String! node: Quote! }
  type Account { id: ID! name: String! }
  type Query { account: Account quotes(first: Int, last: Int, after: String, before: String): QuoteConnection! }
  type Mutation { quoteTouch(id: ID!): Quote }
`);

const FIVE = 'id title quoteNumber quoteStatus createdAt';

describe('estimateQueryCost', () => {
  test.each([
    ['JOBBER.md example: quotes(first: 10) with five scalars', `{ quotes(first: 10) { nodes { ${FIVE} } } }`, {}, 50],
    ['JOBBER.md example without first counts 100', `{ quotes { nodes { ${FIVE} } } }`, {}, 500],
    ['last counts like first', `{ quotes(last: 3) { nodes { id } } }`, {}, 3],
    ['edges and node are free', `{ quotes(first: 2) { edges { cursor node { id title } } } }`, {}, 6],
    ['plain object fields cost 1 each plus children', `{ account { id name } }`, {}, 3],
    ['nested object under a node', `{ quotes(first: 4) { nodes { amounts { total } } } }`, {}, 8],
    ['nested connections multiply', `{ quotes(first: 10) { nodes { id lineItems(first: 5) { nodes { id name } } } } }`, {}, 110],
    ['first from a variable', `query Q($n: Int) { quotes(first: $n) { nodes { id } } }`, { n: 7 }, 7],
    ['first from a variable default', `query Q($n: Int = 4) { quotes(first: $n) { nodes { id } } }`, {}, 4],
    ['an unset variable counts 100', `query Q($n: Int) { quotes(first: $n) { nodes { id } } }`, {}, 100],
    ['named fragments are honoured', `{ quotes(first: 2) { nodes { ...Q } } } fragment Q on Quote { ${FIVE} }`, {}, 10],
    ['inline fragments are honoured', `{ quotes(first: 2) { nodes { ... on Quote { id title } } } }`, {}, 4],
    ['a field reached twice counts once', `{ account { id ...A } } fragment A on Account { id name }`, {}, 3],
    ['aliases count separately', `{ a: account { id } b: account { id } }`, {}, 4],
    ['__typename is free', `{ account { __typename id } }`, {}, 2],
    ['@skip(if: true) drops the field', `query Q($s: Boolean!) { account { id name @skip(if: $s) } }`, { s: true }, 2],
    ['@include(if: false) drops the field', `{ account { id name @include(if: false) } }`, {}, 2],
    ['pageInfo and totalCount are multiplied like any selection', `{ quotes(first: 5) { totalCount pageInfo { hasNextPage } } }`, {}, 15],
    ['mutations follow the same rules', `mutation { quoteTouch(id: "1") { id lineItems(first: 2) { nodes { id } } } }`, {}, 4],
  ])('when %s, then the cost is as JOBBER.md rules say', (_name, query, variables, expected) => {
    expect(estimateQueryCost(schema, parse(query), { variables })).toBe(expected);
  });

  test('when the document has several operations, then operationName picks one', () => {
    const document = parse(`query A { account { id } } query B { quotes(first: 3) { nodes { id } } }`);
    expect(estimateQueryCost(schema, document, { operationName: 'A' })).toBe(2);
    expect(estimateQueryCost(schema, document, { operationName: 'B' })).toBe(3);
  });

  test('when the operation cannot be chosen, then the cost is 0', () => {
    const document = parse(`query A { account { id } } query B { account { name } }`);
    expect(estimateQueryCost(schema, document)).toBe(0);
    expect(estimateQueryCost(schema, document, { operationName: 'C' })).toBe(0);
  });

  test('when fields are unknown to the schema, then they still cost 1 and first/last still multiply', () => {
    expect(estimateQueryCost(schema, parse(`{ nope(first: 3) { nodes { a b } } other }`))).toBe(7);
  });
});
