import { buildSchema } from 'graphql';
import { findRootFieldCollisions } from '../../../src/gateway/buildGatewaySchema';

const local = buildSchema('type Query { connectorSettings: String, a: Int } type Mutation { installConnector: String }');

describe('findRootFieldCollisions', () => {
  test.each([
    ['type Query { account: String } type Mutation { clientCreate: String }', []],
    ['type Query { connectorSettings: String } type Mutation { x: String }', ['Query.connectorSettings']],
    ['type Query { a: Int } type Mutation { installConnector: String }', ['Query.a', 'Mutation.installConnector']],
    ['type Query { b: Int }', []],
  ])('when the remote schema is %s, then the collisions are %j', (sdl, expected) => {
    expect(findRootFieldCollisions(buildSchema(sdl), local)).toEqual(expected);
  });
});
