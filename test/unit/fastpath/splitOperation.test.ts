import { parse, print } from 'graphql';
import { classifyOperation, type JobberRootFields } from '../../../src/gateway/classifyOperation';
import { blankRanges, type SplitOperation } from '../../../src/gateway/splitOperation';

const roots: JobberRootFields = {
  query: new Set(['account', 'clients', 'client']),
  mutation: new Set(['clientCreate']),
};

function cut(query: string, operationName: string | null = null): SplitOperation {
  const outcome = classifyOperation(query, parse(query), operationName, roots);
  if (outcome.kind !== 'split') throw new Error(`expected a split, got: ${outcome.kind === 'stitch' ? outcome.reason : outcome.kind}`);
  return outcome.split;
}

/** Whitespace runs collapsed, so expectations read like GraphQL (positions are checked separately). */
const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('splitOperation', () => {
  test.each([
    ['one field of each', '{ account { id } connectorSettings { clientId } }', '{ account { id } }', '{ connectorSettings { clientId } }'],
    [
      'variables used by one half each',
      'query Q($n: Int!, $a: String!) { clients(first: $n) { totalCount } connectorInstallation(accountId: $a) { status } }',
      'query Q($n: Int!, ) { clients(first: $n) { totalCount } }',
      'query Q($a: String!) { connectorInstallation(accountId: $a) { status } }',
    ],
    [
      'only local variables (the parentheses go too)',
      'query Q($a: String!) { account { id } connectorInstallation(accountId: $a) { status } }',
      'query Q { account { id } }',
      'query Q($a: String!) { connectorInstallation(accountId: $a) { status } }',
    ],
    [
      'a variable used by both halves',
      'query Q($s: Boolean!) { account @skip(if: $s) { id } connectorSettings @include(if: $s) { clientId } }',
      'query Q($s: Boolean!) { account @skip(if: $s) { id } }',
      'query Q($s: Boolean!) { connectorSettings @include(if: $s) { clientId } }',
    ],
    [
      'fragments of each half and another operation',
      'query Other { connectorSettings { clientId } } query Q { account { ...A } connectorSettings { ...S } } fragment A on Account { id } fragment S on ConnectorSettings { clientId }',
      'query Q { account { ...A } } fragment A on Account { id }',
      'query Q { connectorSettings { ...S } } fragment S on ConnectorSettings { clientId }',
    ],
    [
      'a comment inside the variable definitions',
      'query Q(\n# the account\n$a: String!) { account { id } connectorInstallation(accountId: $a) { status } }',
      'query Q { account { id } }',
      'query Q($a: String!) { connectorInstallation(accountId: $a) { status } }',
    ],
  ])('when the query has %s, then each half keeps only its own', (_label, query, jobber, local) => {
    const split = cut(query, query.includes('query Other') ? 'Q' : null);
    expect(squeeze(split.jobberQuery)).toBe(jobber);
    expect(squeeze(print(split.localDocument))).toBe(local);
    // The Jobber half's document is built from the client's nodes: it is what the cut text parses to.
    expect(print(split.jobberDocument)).toBe(print(parse(split.jobberQuery)));
  });

  test('when the local half fails, then its errors point into the client\'s text (its nodes keep their positions)', () => {
    const query = 'query Q {\n  account { id }\n  connectorSettings { clientId }\n}';
    const split = cut(query);
    const local = split.localDocument.definitions[0]!;
    expect(local.kind === 'OperationDefinition' && local.selectionSet.selections[0]!.loc?.start).toBe(query.indexOf('connectorSettings'));
  });

  test('when the cut is made, then every kept character stays at its position and line breaks stay', () => {
    const query = 'query Q($a: String!, $n: Int) {\n  connectorInstallation(accountId: $a) { status }\n  clients(first: $n) { totalCount }\n}';
    const split = cut(query);
    expect(split.jobberQuery).toHaveLength(query.length);
    expect(split.jobberQuery.split('\n')).toHaveLength(query.split('\n').length);
    const at = query.indexOf('clients');
    expect(split.jobberQuery.slice(at, at + 7)).toBe('clients');
    expect(split.jobberQuery).not.toContain('connectorInstallation');
    expect(split.jobberQuery).not.toContain('$a');
  });

  test('when keys repeat or are aliased, then the answer order is first occurrence in root order', () => {
    const split = cut('{ s: connectorSettings { clientId } account { id } clients(first: 1) { totalCount } account { name } }');
    expect(split.responseKeys).toEqual(['s', 'account', 'clients']);
  });

  test('when variables are split, then only the Jobber half names go to Jobber', () => {
    const split = cut('query Q($n: Int!, $a: String!, $s: Boolean!) { clients(first: $n) @skip(if: $s) { totalCount } connectorInstallation(accountId: $a) @skip(if: $s) { status } }');
    expect([...split.jobberVariableNames].sort()).toEqual(['n', 's']);
  });

  test.each([
    ['a mutation', 'mutation { clientCreate(input: {}) { client { id } } rotateWebhookSigningSecret }'],
    ['a root fragment spread', 'query { ...R connectorSettings { clientId } } fragment R on Query { account { id } }'],
    ['a root inline fragment', '{ ... on Query { account { id } } connectorSettings { clientId } }'],
    ['__typename at the root', '{ __typename account { id } connectorSettings { clientId } }'],
    ['only Jobber fields', '{ account { id } }'],
    ['only local fields', '{ connectorSettings { clientId } }'],
    ['two operations and no name', 'query A { account { id } } query B { connectorSettings { clientId } }'],
  ])('when the query has %s, then it is not split', (_label, query) => {
    expect(classifyOperation(query, parse(query), null, roots).kind).not.toBe('split');
  });
});

describe('blankRanges', () => {
  test.each([
    ['no range', 'abc', [], 'abc'],
    ['one range', 'abcdef', [[1, 3]], 'a  def'],
    ['ranges out of order and overlapping', 'abcdef', [[3, 5], [0, 1], [2, 4]], ' b   f'],
    ['a line break inside a range', 'ab\ncd\r\nef', [[1, 8]], 'a \n  \r\n f'],
  ] as const)('when blanking %s, then the text keeps its length and line breaks', (_label, source, ranges, expected) => {
    expect(blankRanges(source, ranges)).toBe(expected);
  });
});
