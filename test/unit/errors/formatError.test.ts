import { GraphQLError } from 'graphql';
import { formatError } from '../../../src/errors/formatError';
import { ErrorCode, GatewayError } from '../../../src/errors/gatewayError';

/** What Apollo hands formatError for an error located at a resolver path. */
const atPath = (original: Error): GraphQLError => new GraphQLError(original.message, { path: ['account'], originalError: original });
const formattedOf = (error: GraphQLError) => ({ ...error.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR', ...error.extensions } });

describe('formatError', () => {
  test.each([
    [ErrorCode.STORE_UNAVAILABLE, 'Redis is unreachable (get); reconnecting', {}, 'The gateway cannot reach its store right now; retry shortly.', { code: 'STORE_UNAVAILABLE' }],
    [ErrorCode.INTERNAL_SERVER_ERROR, 'cannot decrypt stored secret: unknown key id 1a2b3c4d', {}, 'Internal server error', { code: 'INTERNAL_SERVER_ERROR' }],
    [ErrorCode.UPSTREAM_UNAVAILABLE, 'Could not obtain an access token from Jobber: token endpoint answered HTTP 503', { retryAfterMs: 900, upstreamStatus: 503 }, 'Jobber is unavailable or answered with an error; retry shortly.', { code: 'UPSTREAM_UNAVAILABLE', retryAfterMs: 900, upstreamStatus: 503 }],
    [ErrorCode.UPSTREAM_UNAVAILABLE, 'Jobber refused a freshly refreshed access token.', { reason: 'token_rejected', host: 'api.getjobber.com' }, 'Jobber is unavailable or answered with an error; retry shortly.', { code: 'UPSTREAM_UNAVAILABLE', reason: 'token_rejected' }],
    [ErrorCode.UPSTREAM_TIMEOUT, 'Jobber did not answer within 15000 ms.', {}, 'Jobber did not answer in time; retry shortly.', { code: 'UPSTREAM_TIMEOUT' }],
    [ErrorCode.BAD_USER_INPUT, 'first must be from 1 to 100.', { problems: ['x'] }, 'first must be from 1 to 100.', { code: 'BAD_USER_INPUT', problems: ['x'] }],
  ])('when a resolver throws %s, then the client reads the message and extensions its code allows', (code, message, extensions, shown, shownExtensions) => {
    const located = atPath(new GatewayError(code, message, { extensions, cause: new Error('ECONNREFUSED 127.0.0.1:6379') }));
    expect(formatError(formattedOf(located), located)).toEqual({ message: shown, path: ['account'], extensions: shownExtensions });
  });

  test('when the context function threw a STORE_UNAVAILABLE wrapped in a GraphQLError, then it is masked too', () => {
    const gatewayError = new GatewayError(ErrorCode.STORE_UNAVAILABLE, 'Redis did not answer get within 500 ms');
    const wrapped = new GraphQLError(gatewayError.message, { extensions: gatewayError.extensions, originalError: gatewayError });
    expect(formatError(wrapped.toJSON(), wrapped)).toEqual({ message: 'The gateway cannot reach its store right now; retry shortly.', extensions: { code: 'STORE_UNAVAILABLE' } });
  });

  test('when context creation failed on a plain Error (a bug), then the client sees only Internal server error', () => {
    const wrapped = new GraphQLError('Context creation failed: connect ECONNREFUSED 127.0.0.1:6379', { originalError: new Error('connect ECONNREFUSED 127.0.0.1:6379') });
    expect(formatError(formattedOf(wrapped), wrapped)).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  test('when Jobber\'s own error is relayed, then it passes as it is, without the code Apollo adds', () => {
    const relayed = new GraphQLError('Field "nope" does not exist', { path: ['nope'] });
    expect(formatError(formattedOf(relayed), relayed)).toEqual({ message: 'Field "nope" does not exist', path: ['nope'], extensions: {} });
  });

  test('when a variable fails to coerce (a GraphQLError around a TypeError, with its own code), then its message is kept', () => {
    const coercion = new GraphQLError('Variable "$at" got invalid value "x"; DateTime must be an ISO-8601 string', {
      originalError: new TypeError('DateTime must be an ISO-8601 string'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(formatError(coercion.toJSON(), coercion).message).toMatch(/DateTime must be/);
  });
});
