import { isGatewayError } from '../../../src/errors/gatewayError';
import { parseClusterNode } from '../../../src/store/redisClient';

describe('parseClusterNode', () => {
  test.each([
    ['127.0.0.1:7000', { host: '127.0.0.1', port: 7000 }],
    [' redis-1.internal:6379 ', { host: 'redis-1.internal', port: 6379 }],
    ['[::1]:7001', { host: '::1', port: 7001 }],
  ])('when the node is %p, then it is %p', (node, expected) => {
    expect(parseClusterNode(node)).toEqual(expected);
  });

  test.each(['redis-1', ':6379', 'host:port', ''])('when the node is %p, then it is refused as a configuration bug', (node) => {
    let error: unknown;
    try {
      parseClusterNode(node);
    } catch (caught) {
      error = caught;
    }
    expect(isGatewayError(error) && error.code).toBe('INTERNAL_SERVER_ERROR');
  });
});
