import { shouldRefresh } from '../../../src/tokens/shouldRefresh';

const minute = 60_000;
const t0 = 1_700_000_000_000;

describe('shouldRefresh', () => {
  test.each([
    // 60-minute token, 5-minute margin: the margin is the smaller bound (lifetime/10 = 6 min).
    ['a fresh 60 min token', { now: t0, expiresAt: t0 + 60 * minute, issuedAt: t0, marginMs: 5 * minute }, false],
    ['a 60 min token with 5 min 1 ms left', { now: t0 + 55 * minute - 1, expiresAt: t0 + 60 * minute, issuedAt: t0, marginMs: 5 * minute }, false],
    ['a 60 min token with 4 min 59 s left', { now: t0 + 55 * minute + 1000, expiresAt: t0 + 60 * minute, issuedAt: t0, marginMs: 5 * minute }, true],
    // 10-minute token with 5-minute margin: lifetime/10 = 1 min is the smaller bound.
    ['a 10 min token with 2 min left', { now: t0 + 8 * minute, expiresAt: t0 + 10 * minute, issuedAt: t0, marginMs: 5 * minute }, false],
    ['a 10 min token with 59 s left', { now: t0 + 9 * minute + 1000, expiresAt: t0 + 10 * minute, issuedAt: t0, marginMs: 5 * minute }, true],
    // Short-lived sandbox tokens: a 3 s token is refreshed only in its last 300 ms.
    ['a 3 s token just issued', { now: t0 + 10, expiresAt: t0 + 3000, issuedAt: t0, marginMs: 5 * minute }, false],
    ['a 3 s token with 301 ms left', { now: t0 + 2699, expiresAt: t0 + 3000, issuedAt: t0, marginMs: 5 * minute }, false],
    ['a 3 s token with 299 ms left', { now: t0 + 2701, expiresAt: t0 + 3000, issuedAt: t0, marginMs: 5 * minute }, true],
    ['a 1 s token with 50 ms left', { now: t0 + 950, expiresAt: t0 + 1000, issuedAt: t0, marginMs: 5 * minute }, true],
    // A small margin wins over a large lifetime.
    ['a 60 min token with 2 s left and a 1 s margin', { now: t0 + 60 * minute - 2000, expiresAt: t0 + 60 * minute, issuedAt: t0, marginMs: 1000 }, false],
    ['a 60 min token with 0.5 s left and a 1 s margin', { now: t0 + 60 * minute - 500, expiresAt: t0 + 60 * minute, issuedAt: t0, marginMs: 1000 }, true],
    ['a zero margin and a token not yet expired', { now: t0 + 59 * minute, expiresAt: t0 + 60 * minute, issuedAt: t0, marginMs: 0 }, false],
    // Expired or degenerate tokens are always due.
    ['an expired token', { now: t0 + 61 * minute, expiresAt: t0 + 60 * minute, issuedAt: t0, marginMs: 5 * minute }, true],
    ['a token expiring exactly now', { now: t0 + 60 * minute, expiresAt: t0 + 60 * minute, issuedAt: t0, marginMs: 0 }, true],
    ['a token issued after its expiry', { now: t0, expiresAt: t0 - 1, issuedAt: t0, marginMs: 5 * minute }, true],
  ])('when %s, then refresh = %p', (_name, input, expected) => {
    expect(shouldRefresh(input)).toBe(expected);
  });
});
