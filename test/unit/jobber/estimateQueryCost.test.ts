import { buildSchema, parse } from 'graphql';
import { estimateQueryCost, measureQueryCost } from '../../../src/jobber/estimateQueryCost';

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

// Shapes a hostile caller sends: each is a few KB of valid GraphQL whose naive walk is exponential or huge.
const recursive = buildSchema(`
  type Item { id: ID! name: String! child: Item children(first: Int): ItemConnection! }
  type ItemConnection { nodes: [Item!]! totalCount: Int! }
  type Account { id: ID! name: String! }
  type Query { account: Account item: Item }
`);

/** `fragment F<i> on <type> { ...F<i-1> ...F<i-1> }`: 2^levels spreads when each is walked again. */
function fragmentBomb(levels: number): string {
  let text = `query { account { ...F${levels - 1} } }\nfragment F0 on Account { id name }\n`;
  for (let i = 1; i < levels; i++) text += `fragment F${i} on Account { ...F${i - 1} ...F${i - 1} }\n`;
  return text;
}

describe('estimateQueryCost on hostile documents', () => {
  test('when a 24-level fragment bomb (the 965-byte query of issue 12) is estimated, then each fragment is walked once and the cost is the plain one', () => {
    const text = fragmentBomb(24);
    expect(text.length).toBeLessThan(1100);
    const measured = measureQueryCost(recursive, parse(text));
    // account (1) + id + name, each counted once however many spreads reach them.
    expect(measured).toEqual({ cost: 3, complete: true, nodesWalked: expect.any(Number) });
    // Linear: a few steps per selection of the document (there are 2 * 24 spreads and 3 fields).
    expect(measured.nodesWalked).toBeLessThan(500);
  });

  test('when the bomb has 200 levels, then the walk still grows linearly with the document', () => {
    const small = measureQueryCost(recursive, parse(fragmentBomb(100)));
    const large = measureQueryCost(recursive, parse(fragmentBomb(200)));
    expect(large.cost).toBe(3);
    expect(large.nodesWalked).toBeLessThanOrEqual(small.nodesWalked * 2 + 10);
  });

  test('when each level doubles real work (two aliased children spreading the previous level), then the cost is the true exponential one, computed in linear steps', () => {
    const levels = 30;
    let text = `query { item { ...L${levels - 1} } }\nfragment L0 on Item { id }\n`;
    for (let i = 1; i < levels; i++) text += `fragment L${i} on Item { a: child { ...L${i - 1} } b: child { ...L${i - 1} } }\n`;
    const measured = measureQueryCost(recursive, parse(text));
    // cost(L0) = 1; cost(Li) = 2 * (1 + cost(Li-1)) => cost(Li) = 3 * 2^i - 2; plus the root item field.
    expect(measured.cost).toBe(1 + (3 * 2 ** (levels - 1) - 2));
    expect(measured.complete).toBe(true);
    expect(measured.nodesWalked).toBeLessThan(1000);
  });

  test('when 5000 aliases select one object each (a wide alias bomb), then every alias counts and the walk is linear', () => {
    const text = `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: account { id }`).join(' ')} }`;
    // 6 steps per alias: past the default budget (20000), so with a larger one here.
    expect(measureQueryCost(recursive, parse(text)).complete).toBe(false);
    const measured = measureQueryCost(recursive, parse(text), { maxNodes: 100_000 });
    expect(measured.cost).toBe(10_000);
    expect(measured.nodesWalked).toBeLessThanOrEqual(5000 * 6);
  });

  test('when aliased connections without first multiply at depth, then the estimate is far above the bucket', () => {
    const text = `{ item { ${Array.from({ length: 50 }, (_, i) => `c${i}: children { nodes { children { nodes { id } } } }`).join(' ')} } }`;
    expect(measureQueryCost(recursive, parse(text)).cost).toBe(1 + 50 * 100 * 100);
  });

  test('when a selection nests 1000 levels deep, then the estimate completes (no stack overflow) and counts every level', () => {
    const depth = 1000;
    const text = `{ item { ${'child { '.repeat(depth)}id${' }'.repeat(depth)} } }`;
    const measured = measureQueryCost(recursive, parse(text));
    expect(measured).toMatchObject({ cost: depth + 2, complete: true });
  });

  test('when the walk needs more steps than maxNodes, then it stops there and says it is incomplete', () => {
    const text = `{ ${Array.from({ length: 5000 }, (_, i) => `a${i}: account { id }`).join(' ')} }`;
    const measured = measureQueryCost(recursive, parse(text), { maxNodes: 1000 });
    expect(measured.complete).toBe(false);
    expect(measured).toMatchObject({ stoppedBy: 'steps', nodesWalked: 1000 });
    expect(estimateQueryCost(recursive, parse(text), { maxNodes: 1000 })).toBe(Number.MAX_SAFE_INTEGER);
  });

  test('when fragments form a cycle through a field (invalid GraphQL, never validated here), then the estimate is still finite', () => {
    const text = `{ item { ...A } } fragment A on Item { id child { ...A } }`;
    const measured = measureQueryCost(recursive, parse(text));
    expect(Number.isFinite(measured.cost)).toBe(true);
  });
});
