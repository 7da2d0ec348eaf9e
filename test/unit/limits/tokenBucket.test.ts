import { fullBucket, takeToken, tokensAt, type BucketState } from '../../../src/limits/tokenBucket';

const T0 = 1_700_000_000_000;
const RATE = { perSecond: 10, burst: 20 };

describe('tokensAt', () => {
  test.each([
    ['no time passed', { tokens: 5, updatedAt: T0 }, T0, 5],
    ['100 ms at 10 a second', { tokens: 5, updatedAt: T0 }, T0 + 100, 6],
    ['refilling past the burst', { tokens: 15, updatedAt: T0 }, T0 + 10_000, 20],
    ['a clock that went backwards', { tokens: 5, updatedAt: T0 }, T0 - 5000, 5],
  ])('when %s, then the bucket holds the refilled, capped count', (_name, state, now, expected) => {
    expect(tokensAt(state, now, RATE)).toBeCloseTo(expected, 9);
  });
});

describe('takeToken', () => {
  test.each<[string, BucketState, number, number, BucketState]>([
    ['a full bucket', fullBucket(RATE, T0), T0, 0, { tokens: 19, updatedAt: T0 }],
    ['exactly one token left', { tokens: 1, updatedAt: T0 }, T0, 0, { tokens: 0, updatedAt: T0 }],
    ['an empty bucket: one token comes in 100 ms', { tokens: 0, updatedAt: T0 }, T0, 100, { tokens: 0, updatedAt: T0 }],
    ['half a token: the other half comes in 50 ms', { tokens: 0.5, updatedAt: T0 }, T0, 50, { tokens: 0.5, updatedAt: T0 }],
    ['an empty bucket after 100 ms', { tokens: 0, updatedAt: T0 }, T0 + 100, 0, { tokens: 0, updatedAt: T0 + 100 }],
    ['a clock that went backwards keeps the later time', { tokens: 3, updatedAt: T0 }, T0 - 1000, 0, { tokens: 2, updatedAt: T0 }],
  ])('when the bucket is %s, then the wait and the state are as listed', (_name, state, now, wait, after) => {
    expect(takeToken(state, now, RATE)).toBe(wait);
    expect(state.tokens).toBeCloseTo(after.tokens, 9);
    expect(state.updatedAt).toBe(after.updatedAt);
  });

  test('when a burst empties the bucket, then exactly `burst` requests pass at once and the next waits for the rate', () => {
    const state = fullBucket(RATE, T0);
    const waits = Array.from({ length: 21 }, () => takeToken(state, T0, RATE));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(20);
    expect(waits[20]).toBe(100);
  });

  test('when a rate under one a second is empty, then the wait is the whole refill time', () => {
    expect(takeToken({ tokens: 0, updatedAt: T0 }, T0, { perSecond: 0.5, burst: 3 })).toBe(2000);
  });
});
