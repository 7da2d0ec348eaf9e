/** A token bucket's state: tokens left when last touched, and when (ms). */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

/** How a bucket fills: `perSecond` tokens a second, up to `burst`. */
export interface BucketRate {
  perSecond: number;
  burst: number;
}

/** A full bucket at `now`. */
export function fullBucket(rate: BucketRate, now: number): BucketState {
  return { tokens: rate.burst, updatedAt: now };
}

/** Tokens in the bucket at `now` (refilled since it was last touched, capped at `burst`; a clock that went back adds nothing). */
export function tokensAt(state: BucketState, now: number, rate: BucketRate): number {
  const elapsedMs = Math.max(0, now - state.updatedAt);
  return Math.min(rate.burst, state.tokens + (elapsedMs * rate.perSecond) / 1000);
}

/**
 * Takes one token. Returns 0 when it was there (the state is refilled to `now` and one token taken, in
 * place), else the milliseconds until one will be (at least 1; the state is left as it was).
 */
export function takeToken(state: BucketState, now: number, rate: BucketRate): number {
  const tokens = tokensAt(state, now, rate);
  if (tokens < 1) return Math.max(1, Math.ceil(((1 - tokens) * 1000) / rate.perSecond));
  state.tokens = tokens - 1;
  state.updatedAt = Math.max(now, state.updatedAt);
  return 0;
}
