import {
  applyReservation,
  type BucketEstimate,
  decideAfterThrottled,
  decideBeforeForward,
  estimateAvailableAt,
  mergeObservation,
  parseRetryAfterMs,
} from '../../../src/ratelimit/throttleDecision';

const T0 = 1_700_000_000_000;

function bucket(currentlyAvailable: number, observedAt = T0, maximumAvailable = 1000, restoreRate = 100): BucketEstimate {
  return { maximumAvailable, currentlyAvailable, restoreRate, observedAt };
}

describe('estimateAvailableAt', () => {
  test.each([
    ['no time passed', bucket(200), T0, 200],
    ['1 s passed at 100/s', bucket(200), T0 + 1000, 300],
    ['restoring past the maximum', bucket(950), T0 + 5000, 1000],
    ['a negative (reserved) level', bucket(-300), T0 + 2000, -100],
    ['a clock that went backwards', bucket(200), T0 - 5000, 200],
  ])('when %s, then the level is the restored, capped value', (_name, b, now, expected) => {
    expect(estimateAvailableAt(b, now)).toBe(expected);
  });
});

describe('decideBeforeForward', () => {
  test.each([
    ['nothing is known about the bucket', 500, null, T0, 5000, { kind: 'go' }],
    ['the estimate covers the cost', 500, bucket(600), T0, 5000, { kind: 'go' }],
    ['the estimate covers the cost exactly', 600, bucket(600), T0, 5000, { kind: 'go' }],
    ['restoration since the observation covers it', 500, bucket(300), T0 + 2000, 5000, { kind: 'go' }],
    ['a deficit of 200 at 100/s is under the bound', 500, bucket(300), T0, 5000, { kind: 'wait', waitMs: 2000 }],
    ['a deficit of 200 at 100/s equals the bound', 500, bucket(300), T0, 2000, { kind: 'wait', waitMs: 2000 }],
    ['a deficit of 200 at 100/s exceeds the bound', 500, bucket(300), T0, 1999, { kind: 'refuse', retryAfterMs: 2000 }],
    ['reservations drove the level negative', 300, bucket(-200), T0, 10000, { kind: 'wait', waitMs: 5000 }],
    ['the cost exceeds the maximum (waiting cannot help)', 1500, bucket(0), T0, 5000, { kind: 'go' }],
    ['the cost is zero', 0, bucket(-500), T0, 0, { kind: 'go' }],
    ['a fractional deficit', 101, bucket(100), T0, 5000, { kind: 'wait', waitMs: 10 }],
  ])('when %s, then the decision follows', (_name, cost, b, now, maxWaitMs, expected) => {
    expect(decideBeforeForward({ cost, bucket: b, now, maxWaitMs })).toEqual(expected);
  });

  test('when the restore rate is zero and there is a deficit, then it refuses', () => {
    const decision = decideBeforeForward({ cost: 10, bucket: bucket(0, T0, 1000, 0), now: T0, maxWaitMs: 1000 });
    expect(decision.kind).toBe('refuse');
  });
});

describe('parseRetryAfterMs', () => {
  test.each([
    ['absent', undefined, undefined],
    ['null', null, undefined],
    ['empty', ' ', undefined],
    ['delay seconds', '3', 3000],
    ['fractional seconds', '0.5', 500],
    ['an HTTP date 4 s ahead', new Date(T0 + 4000).toUTCString(), 4000],
    ['an HTTP date in the past', new Date(T0 - 4000).toUTCString(), 0],
    ['garbage', 'soon', undefined],
  ])('when Retry-After is %s, then the wait is read accordingly', (_name, value, expected) => {
    expect(parseRetryAfterMs(value, T0)).toBe(expected);
  });
});

describe('decideAfterThrottled', () => {
  const base = {
    isMutation: false,
    isRetry: false,
    retryAfterMs: undefined,
    requestedCost: 500,
    throttleStatus: { currentlyAvailable: 300, restoreRate: 100 },
    maxWaitMs: 5000,
    fallbackWaitMs: 1000,
  };
  test.each([
    ['a first throttled query within the bound', {}, { kind: 'retry', waitMs: 2000 }],
    ['a throttled mutation', { isMutation: true }, { kind: 'refuse', retryAfterMs: 2000 }],
    ['a query already retried once', { isRetry: true }, { kind: 'refuse', retryAfterMs: 2000 }],
    ['a wait beyond the bound', { maxWaitMs: 1000 }, { kind: 'refuse', retryAfterMs: 2000 }],
    ['a Retry-After header', { retryAfterMs: 3000 }, { kind: 'retry', waitMs: 3000 }],
    ['a bare 429 with nothing to go on', { requestedCost: undefined, throttleStatus: undefined }, { kind: 'retry', waitMs: 1000 }],
    ['a bare 429 for a mutation', { isMutation: true, requestedCost: undefined }, { kind: 'refuse', retryAfterMs: 1000 }],
  ])('when %s, then the decision follows', (_name, overrides, expected) => {
    expect(decideAfterThrottled({ ...base, ...overrides })).toEqual(expected);
  });
});

describe('applyReservation', () => {
  test.each([
    ['a reservation that fits', bucket(800), 300, T0, 500],
    ['a reservation ahead of restoration', bucket(100), 300, T0, -200],
    ['a reservation after restoring for 1 s', bucket(100), 300, T0 + 1000, -100],
  ])('when %s, then the level is debited at now', (_name, b, cost, now, expected) => {
    expect(applyReservation(b, cost, now)).toEqual({ ...b, currentlyAvailable: expected, observedAt: now });
  });
});

describe('mergeObservation', () => {
  const status = { maximumAvailable: 1000, currentlyAvailable: 400, restoreRate: 100 };
  test.each([
    ['nothing local', null, { throttleStatus: status }, 400],
    ['a local level lower than Jobber (in-flight reservations)', bucket(100), { throttleStatus: status }, 100],
    ['a local level higher than Jobber', bucket(900), { throttleStatus: status }, 400],
    [
      'a local level that reserved more than Jobber charged',
      bucket(100),
      { throttleStatus: status, requestedQueryCost: 500, actualQueryCost: 200 },
      400,
    ],
    ['a refused query (its whole reservation comes back)', bucket(-300), { throttleStatus: status, requestedQueryCost: 500, refused: true }, 200],
    ['an actual cost that is missing (no refund)', bucket(100), { throttleStatus: status, requestedQueryCost: 500 }, 100],
  ])('when %s, then the lower of the two views wins', (_name, local, observed, expected) => {
    expect(mergeObservation(local, observed, T0)).toEqual({ ...status, currentlyAvailable: expected, observedAt: T0 });
  });
});
