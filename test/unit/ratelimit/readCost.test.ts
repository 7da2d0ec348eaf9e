import { isThrottledBody, readCost } from '../../../src/ratelimit/createRateLimiter';

const throttleStatus = { maximumAvailable: 10000, currentlyAvailable: 9750, restoreRate: 500 };

describe('readCost', () => {
  test.each([
    ['no body', undefined, undefined],
    ['no extensions', { data: {} }, undefined],
    ['a cost without throttle status', { extensions: { cost: { requestedQueryCost: 5 } } }, undefined],
    ['a throttle status with a non-number', { extensions: { cost: { throttleStatus: { ...throttleStatus, restoreRate: '500' } } } }, undefined],
    [
      'a full cost',
      { extensions: { cost: { requestedQueryCost: 250, actualQueryCost: 120, throttleStatus } } },
      { requestedQueryCost: 250, actualQueryCost: 120, throttleStatus },
    ],
    ['a cost with only the status', { extensions: { cost: { throttleStatus } } }, { throttleStatus }],
  ])('when the answer has %s, then the observed cost is read accordingly', (_name, json, expected) => {
    expect(readCost(json)).toEqual(expected);
  });
});

describe('isThrottledBody', () => {
  test.each([
    ['no body', undefined, false],
    ['data only', { data: { a: 1 } }, false],
    ['another error', { errors: [{ message: 'x', extensions: { code: 'BAD_USER_INPUT' } }] }, false],
    ['THROTTLED first', { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }] }, true],
    ['THROTTLED among others', { errors: [{ message: 'x' }, { message: 'Throttled', extensions: { code: 'THROTTLED' } }] }, true],
  ])('when the answer has %s, then throttled is %s', (_name, json, expected) => {
    expect(isThrottledBody(json)).toBe(expected);
  });
});
