import { buildSchema, GraphQLObjectType, parse, type OperationDefinitionNode } from 'graphql';
import { fragmentsOf } from '../../../src/gateway/classifyOperation';
import { ErrorCode, GatewayError } from '../../../src/errors/gatewayError';
import { formatAllLikeApollo } from '../../../src/gateway/formatLikeApollo';
import { collectRootFields, shapeLikeStitching, type JobberOutcome } from '../../../src/gateway/shapeLikeStitching';

const schema = buildSchema(`
  type Query { account: Account, clients: Connection!, client(id: ID): Account }
  type Mutation { one: Account!, two: Account }
  type Account { id: ID }
  type Connection { totalCount: Int }
`);

function fieldsOf(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  const root = (operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType()) as GraphQLObjectType;
  return () => collectRootFields(root, operation.selectionSet, fragmentsOf(document), variables);
}

/** The shaped result as a client sees it (formatted like Apollo). */
function shaped(query: string, outcome: JobberOutcome, serial = false) {
  const result = shapeLikeStitching(fieldsOf(query), outcome, serial);
  if (result === null) return null;
  const { errors, status } = formatAllLikeApollo(result.fatal ? [...result.errors, result.fatal] : result.errors);
  return { status, data: result.data, errors };
}

const notInstalled: JobberOutcome = { kind: 'threw', error: new GatewayError(ErrorCode.CONNECTOR_NOT_INSTALLED, 'not installed') };

describe('collectRootFields', () => {
  test('when fields repeat a key, sit in root fragments or are skipped, then they are collected as graphql-js executes them', () => {
    const fields = fieldsOf('query($s: Boolean!) { c: client { id } ...F c: client { id } account @skip(if: $s) { id } } fragment F on Query { clients { totalCount } }', { s: true })();
    expect(fields.map((f) => [f.key, f.nodes.length, f.nonNull])).toEqual([
      ['c', 2, false],
      ['clients', 1, true],
    ]);
  });
});

describe('shapeLikeStitching', () => {
  test('when Jobber answers data without errors, then there is nothing to shape (its bytes are the answer)', () => {
    expect(shaped('{ account { id } }', { kind: 'answered', json: { data: { account: null } }, text: '' })).toBeNull();
  });

  test('when the forward throws, then nullable fields fail in order and only the first non-null failure is kept, nulling data', () => {
    const result = shaped('{ a: clients { totalCount } account { id } c: client { id } d: clients { totalCount } }', notInstalled);
    expect(result?.data).toBeNull();
    expect(result?.errors.map((e) => e.path)).toEqual([['account'], ['c'], ['a']]);
    expect(result?.errors[0]).toEqual({ message: 'not installed', locations: [{ line: 1, column: 29 }], path: ['account'], extensions: { code: 'CONNECTOR_NOT_INSTALLED' } });
  });

  test('when a forward of nullable fields throws, then each is null with its error', () => {
    expect(shaped('{ account { id } c: client { id } }', notInstalled)?.data).toEqual({ account: null, c: null });
  });

  test('when a mutation throws, then its fields fail one after another until the first non-null one', () => {
    const result = shaped('mutation { two { id } one { id } b: two { id } }', notInstalled, true);
    expect(result?.errors.map((e) => e.path)).toEqual([['two'], ['one']]);
    expect(result?.data).toBeNull();
  });

  test('when the thrown error carries an HTTP status, then the answer has it', () => {
    expect(shaped('{ account { id } }', { kind: 'threw', error: new GatewayError(ErrorCode.STORE_UNAVAILABLE, 'down') })?.status).toBe(503);
  });

  test('when the forward throws something that is not a GatewayError, then it is masked', () => {
    expect(shaped('{ account { id } }', { kind: 'threw', error: new Error('secret detail') })?.errors).toEqual([
      { message: 'Internal server error', path: ['account'], locations: [{ line: 1, column: 3 }], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
  });

  test('when Jobber answers one error and no data, then each root field gets it, relocated without locations', () => {
    const result = shaped('{ account { id } c: client { id } }', { kind: 'answered', json: { errors: [{ message: 'boom', locations: [{ line: 1, column: 1 }] } as never] }, text: '' });
    expect(result).toEqual({
      status: undefined,
      data: { account: null, c: null },
      errors: [
        { message: 'boom', path: ['account'], extensions: {} },
        { message: 'boom', path: ['c'], extensions: {} },
      ],
    });
  });

  test('when Jobber answers several errors and no data to one root field, then they become one masked error', () => {
    const result = shaped('{ account { id } }', { kind: 'answered', json: { data: null, errors: [{ message: 'a' }, { message: 'b' }] }, text: '' });
    expect(result?.errors).toEqual([{ message: 'Internal server error', path: ['account'], locations: [{ line: 1, column: 3 }], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
  });

  test('when Jobber answers data and errors, then errors with a path stay (without locations) and errors without one go', () => {
    const json = {
      data: { account: null },
      errors: [
        { message: 'located', path: ['account', 'id'], locations: [{ line: 1, column: 12 }], extensions: { code: 'X' } },
        { message: 'nowhere' },
      ],
    };
    expect(shaped('{ account { id } }', { kind: 'answered', json, text: '' })).toEqual({
      status: undefined,
      data: { account: null },
      errors: [{ message: 'located', path: ['account', 'id'], extensions: { code: 'X' } }],
    });
  });
});
