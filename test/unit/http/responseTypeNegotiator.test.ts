import { CLIENT_SHAPES } from '../../../bench/clientShapes';
import { createResponseTypeNegotiator, RESPONSE_TYPES } from '../../../src/http/responseTypeNegotiator';

describe('createResponseTypeNegotiator', () => {
  test.each([
    ['no Accept', undefined, RESPONSE_TYPES.json],
    ['an empty Accept', '', RESPONSE_TYPES.json],
    ['*/*', '*/*', RESPONSE_TYPES.json],
    ['application/json', 'application/json', RESPONSE_TYPES.json],
    ['application/graphql-response+json alone', 'application/graphql-response+json', RESPONSE_TYPES.graphqlResponseJson],
    ['Apollo Client 4', CLIENT_SHAPES.apollo.accept, RESPONSE_TYPES.graphqlResponseJson],
    ['urql 6', CLIENT_SHAPES.urql.accept, RESPONSE_TYPES.graphqlResponseJson],
    ['graphql-request 7', CLIENT_SHAPES.graphqlRequest.accept, RESPONSE_TYPES.graphqlResponseJson],
    ['GraphiQL', CLIENT_SHAPES.graphiql.accept, RESPONSE_TYPES.json],
    ['JSON preferred by quality', 'application/graphql-response+json;q=0.5, application/json', RESPONSE_TYPES.json],
    ['application/*', 'application/*', RESPONSE_TYPES.json],
    ['multipart/mixed alone', 'multipart/mixed', null],
    ['text/event-stream alone', 'text/event-stream', null],
    ['JSON refused with q=0', 'application/json;q=0, application/graphql-response+json;q=0', null],
  ])('when the Accept is %s, then the media type is what Apollo picks', (_label, accept, expected) => {
    expect(createResponseTypeNegotiator()(accept)).toBe(expected);
  });

  test('when more Accept values come than it keeps, then it still answers each correctly (oldest forgotten)', () => {
    const negotiate = createResponseTypeNegotiator({ maxEntries: 2 });
    const accepts = ['application/json', 'application/graphql-response+json', 'multipart/mixed', 'application/json'];
    expect(accepts.map(negotiate)).toEqual([RESPONSE_TYPES.json, RESPONSE_TYPES.graphqlResponseJson, null, RESPONSE_TYPES.json]);
  });
});
