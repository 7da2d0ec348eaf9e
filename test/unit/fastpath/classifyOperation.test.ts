import { parse } from 'graphql';
import { classifyOperation, selectOperation, type JobberRootFields } from '../../../src/gateway/classifyOperation';

const roots: JobberRootFields = {
  query: new Set(['account', 'clients', 'client']),
  mutation: new Set(['clientCreate']),
};

describe('classifyOperation', () => {
  test.each([
    ['one Jobber root field', '{ account { id } }', null, 'forward'],
    ['aliased Jobber root fields', '{ a: account { id } b: clients(first: 1) { totalCount } }', null, 'forward'],
    ['a Jobber mutation', 'mutation { clientCreate(input: {}) { client { id } } }', null, 'forward'],
    ['a root fragment spread of Jobber fields', 'query { ...R } fragment R on Query { account { id } }', null, 'forward'],
    ['a root inline fragment of Jobber fields', 'query { ... on Query { account { id } } }', null, 'forward'],
    ['nested __typename only', '{ account { __typename id } }', null, 'forward'],
    ['the named operation of two', 'query A { account { id } } query B { connectorSettings { clientId } }', 'A', 'forward'],
    ['a local root field', '{ connectorSettings { clientId } }', null, 'stitch'],
    ['a local and a Jobber root field', '{ account { id } connectorSettings { clientId } }', null, 'split'],
    ['a local root field inside a root fragment', 'query { ...R } fragment R on Query { account { id } connectorSettings { clientId } }', null, 'stitch'],
    ['a root fragment of Jobber fields beside a local field', 'query { ...R connectorSettings { clientId } } fragment R on Query { account { id } }', null, 'stitch'],
    ['a root inline fragment beside a local field', '{ ... on Query { account { id } } connectorSettings { clientId } }', null, 'stitch'],
    ['only local fields in a root fragment', 'query { ...R } fragment R on Query { connectorSettings { clientId } }', null, 'stitch'],
    ['a local field in a nested root inline fragment', '{ ... on Query { ... on Query { connectorSettings { clientId } } } }', null, 'stitch'],
    ['a local field even when skipped', '{ account { id } connectorSettings @skip(if: true) { clientId } }', null, 'split'],
    ['a local and a Jobber root field in a mutation', 'mutation { clientCreate(input: {}) { client { id } } rotateWebhookSigningSecret }', null, 'stitch'],
    ['a local and a Jobber root field and __typename', '{ __typename account { id } connectorSettings { clientId } }', null, 'stitch'],
    ['__typename at the root', '{ __typename account { id } }', null, 'stitch'],
    ['__schema at the root', '{ __schema { queryType { name } } }', null, 'stitch'],
    ['a query root field used as a mutation', 'mutation { account { id } }', null, 'stitch'],
    ['a subscription', 'subscription { account { id } }', null, 'stitch'],
    ['two operations and no name', 'query A { account { id } } query B { clients { totalCount } }', null, 'stitch'],
    ['an operation name that is not there', '{ account { id } }', 'Missing', 'stitch'],
    ['a spread of an unknown fragment', 'query { ...Nope }', null, 'stitch'],
  ])('when the operation has %s, then %s', (_label, query, operationName, expected) => {
    const decision = classifyOperation(query, parse(query), operationName, roots);
    expect(decision.kind).toBe(expected);
  });

  test('when a query is split, then the decision carries the cut (one decision, one parse)', () => {
    const query = '{ account { id } connectorSettings { clientId } }';
    const decision = classifyOperation(query, parse(query), null, roots);
    expect(decision.kind === 'split' && decision.split.responseKeys).toEqual(['account', 'connectorSettings']);
  });

  test('when a mutation is forwarded, then it is flagged as a mutation (never retried after throttling)', () => {
    const query = 'mutation M { clientCreate(input: {}) { client { id } } }';
    expect(classifyOperation(query, parse(query), 'M', roots)).toMatchObject({ kind: 'forward', isMutation: true });
  });
});

describe('selectOperation', () => {
  test.each([
    ['{ a }', null, 'query'],
    ['query A { a } mutation B { b }', 'B', 'mutation'],
    ['query A { a } mutation B { b }', null, undefined],
    ['query A { a }', '', undefined],
  ])('when the document is %s and the name %s, then the operation is %s', (query, name, expected) => {
    expect(selectOperation(parse(query), name)?.operation).toBe(expected);
  });
});
