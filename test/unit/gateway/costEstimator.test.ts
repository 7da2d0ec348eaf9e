import { buildSchema, parse } from 'graphql';
import { buildValuesKey, createCostEstimator, findCostVariables } from '../../../src/gateway/costEstimator';
import { measureQueryCost } from '../../../src/jobber/estimateQueryCost';

const schema = buildSchema(`
  type Item { id: ID! name: String! }
  type ItemConnection { nodes: [Item!]! totalCount: Int! }
  type Query { items(first: Int, last: Int, after: String): ItemConnection! item(id: ID!): Item }
`);

const QUERY = 'query Q($n: Int, $id: ID!, $all: Boolean! = false) { items(first: $n) { nodes { id name @include(if: $all) } } item(id: $id) { id } }';

describe('findCostVariables', () => {
  test.each([
    ['first, last and if arguments', QUERY, ['all', 'n']],
    ['both first and last', 'query($a: Int, $b: Int) { items(first: $a, last: $b) { totalCount } }', ['a', 'b']],
    ['only ids and cursors', 'query($id: ID!, $after: String) { item(id: $id) { id } items(after: $after) { totalCount } }', []],
    ['a fragment holding the cost argument', 'query($k: Int) { ...F } fragment F on Query { items(first: $k) { totalCount } }', ['k']],
    ['a skip directive', 'query($s: Boolean!) { item(id: "1") @skip(if: $s) { id } }', ['s']],
  ])('when the document has %s, then those variables are the ones named', (_case, query, expected) => {
    expect(findCostVariables(parse(query))).toEqual(expected);
  });
});

describe('buildValuesKey', () => {
  test.each([
    ['an absent variable and a null one', { a: 1 }, { a: 1, b: null }],
    ['a number and its string', { a: 1 }, { a: '1' }],
    ['two values whose strings hold the separator', { a: '1,2', b: '3' }, { a: '1', b: '2,3' }],
    ['another operation', { a: 1 }, { a: 1 }],
  ])('when the variables differ by %s, then the keys differ', (which, left, right) => {
    const operation = which === 'another operation' ? 'Other' : 'Q';
    expect(buildValuesKey('Q', ['a', 'b'], left)).not.toBe(buildValuesKey(operation, ['a', 'b'], right));
  });

  test('when only variables the cost does not read differ, then the keys are equal', () => {
    expect(buildValuesKey('Q', ['n'], { n: 5, id: 'x' })).toBe(buildValuesKey('Q', ['n'], { n: 5, id: 'y' }));
  });
});

describe('createCostEstimator', () => {
  const document = parse(QUERY);
  const walk = (variables: Record<string, unknown>) => measureQueryCost(schema, document, { variables, operationName: 'Q' });

  test.each([
    [{ n: 3, id: 'a' }],
    [{ n: 7, id: 'a' }],
    [{ id: 'a' }],
    [{ n: null, id: 'a' }],
    [{ n: 3, id: 'a', all: true }],
    [{ n: 3, id: 'b', all: false }],
  ])('when a request has the variables %j, then its cost is what a fresh walk gives', (variables) => {
    const estimate = createCostEstimator(schema);
    // Twice: the second answer comes from what the first kept.
    for (let i = 0; i < 2; i++) expect(estimate({ query: QUERY, variables, operationName: 'Q', isMutation: false, document })).toEqual(walk(variables));
  });

  test('when the same values come again with other ids, then the kept measure is answered without a walk', () => {
    const estimate = createCostEstimator(schema);
    const first = estimate({ query: QUERY, variables: { n: 4, id: 'a' }, operationName: 'Q', isMutation: false, document });
    const again = estimate({ query: QUERY, variables: { n: 4, id: 'b' }, operationName: 'Q', isMutation: false, document });
    const other = estimate({ query: QUERY, variables: { n: 5, id: 'a' }, operationName: 'Q', isMutation: false, document });
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(other).toEqual(walk({ n: 5, id: 'a' }));
    expect(other.cost).toBe(7);
  });

  test('when each request brings a new document of the same text (as stitching delegates), then the kept measure is answered', () => {
    const estimate = createCostEstimator(schema);
    const first = estimate({ query: QUERY, variables: { n: 4, id: 'a' }, operationName: 'Q', isMutation: false, document: parse(QUERY) });
    expect(estimate({ query: QUERY, variables: { n: 4, id: 'b' }, operationName: 'Q', isMutation: false, document: parse(QUERY) })).toBe(first);
  });

  test('when more value sets come than are kept, then every answer is still the walk\'s', () => {
    const estimate = createCostEstimator(schema, { maxCostsPerText: 2 });
    for (let n = 0; n < 10; n++) {
      const variables = { n, id: 'a', all: n % 2 === 0 };
      expect(estimate({ query: QUERY, variables, operationName: 'Q', isMutation: false, document })).toEqual(walk(variables));
    }
  });

  test('when a value is too long to key, then it is measured each time and still right', () => {
    const estimate = createCostEstimator(schema);
    const variables = { n: 2, id: 'a', all: 'x'.repeat(300) };
    const first = estimate({ query: QUERY, variables, operationName: 'Q', isMutation: false, document });
    const again = estimate({ query: QUERY, variables, operationName: 'Q', isMutation: false, document });
    expect(first).toEqual(walk(variables));
    expect(again).not.toBe(first);
  });

  test('when a query text is longer than what is kept, then it is measured each time and still right', () => {
    const estimate = createCostEstimator(schema);
    const long = `# ${'x'.repeat(70_000)}\n${QUERY}`;
    const request = { query: long, variables: { n: 3, id: 'a' }, operationName: 'Q', isMutation: false };
    const first = estimate(request);
    expect(first).toEqual(walk({ n: 3, id: 'a' }));
    expect(estimate(request)).not.toBe(first);
  });

  test('when the kept texts pass their character budget, then they are dropped and answers stay right', () => {
    const estimate = createCostEstimator(schema, { maxTextChars: QUERY.length * 2 + 10 });
    const texts = [0, 1, 2].map((i) => `${' '.repeat(i)}${QUERY}`);
    const first = estimate({ query: texts[0]!, variables: { n: 2, id: 'a' }, operationName: 'Q', isMutation: false });
    expect(estimate({ query: texts[0]!, variables: { n: 2, id: 'b' }, operationName: 'Q', isMutation: false })).toBe(first);
    for (const query of texts.slice(1)) expect(estimate({ query, variables: { n: 2, id: 'a' }, operationName: 'Q', isMutation: false })).toEqual(walk({ n: 2, id: 'a' }));
    // The third text did not fit beside the first two: everything kept was dropped, the first text too.
    expect(estimate({ query: texts[0]!, variables: { n: 2, id: 'c' }, operationName: 'Q', isMutation: false })).not.toBe(first);
  });

  test('when the request carries no parsed document, then its text is parsed and costed the same', () => {
    const estimate = createCostEstimator(schema);
    expect(estimate({ query: QUERY, variables: { n: 6, id: 'a' }, operationName: 'Q', isMutation: false })).toEqual(walk({ n: 6, id: 'a' }));
  });
});
