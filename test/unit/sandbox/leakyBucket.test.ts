import { chargeBucket, refillBucket } from '../../../src/sandbox/leakyBucket';

const settings = { maximumAvailable: 1000, restoreRate: 50 };

describe('leaky bucket', () => {
  test.each([
    ['full bucket, small cost', 1000, 0, 100, true, 900],
    ['cost equal to what is left', 100, 0, 100, true, 0],
    ['cost above what is left', 99, 0, 100, false, 99],
    ['refill of 2 s covers the cost', 0, 2000, 100, true, 0],
    ['refill never exceeds the maximum', 990, 60_000, 10, true, 990],
  ])('when %s, then allowed is %s and %s points remain', (_name, available, elapsedMs, cost, allowed, remaining) => {
    const decision = chargeBucket({ available, updatedAtMs: 0 }, settings, cost, elapsedMs);
    expect(decision.allowed).toBe(allowed);
    expect(decision.currentlyAvailable).toBe(remaining);
  });

  test('when time goes backwards, then nothing is refilled', () => {
    expect(refillBucket({ available: 10, updatedAtMs: 5000 }, settings, 1000).available).toBe(10);
  });
});
