/** Jobber's query-cost bucket settings (JOBBER.md "Rate limits"). */
export interface BucketSettings {
  /** Points the bucket holds when full. Default 10000. */
  maximumAvailable: number;
  /** Points restored per second. Default 500. */
  restoreRate: number;
}

export interface BucketState {
  available: number;
  /** When `available` was last computed, ms since the epoch. */
  updatedAtMs: number;
}

export type BucketDecision =
  | { allowed: true; next: BucketState; currentlyAvailable: number }
  | { allowed: false; next: BucketState; currentlyAvailable: number };

/** Points available at `nowMs`: refilled at `restoreRate` per second, never above the maximum. */
export function refillBucket(state: BucketState, settings: BucketSettings, nowMs: number): BucketState {
  const elapsedSeconds = Math.max(0, nowMs - state.updatedAtMs) / 1000;
  const available = Math.min(settings.maximumAvailable, state.available + elapsedSeconds * settings.restoreRate);
  return { available, updatedAtMs: nowMs };
}

/**
 * Charges `cost` when the bucket holds at least that much; a refused query costs nothing.
 * `currentlyAvailable` is what Jobber reports after the decision (rounded down).
 */
export function chargeBucket(
  state: BucketState,
  settings: BucketSettings,
  cost: number,
  nowMs: number,
): BucketDecision {
  const refilled = refillBucket(state, settings, nowMs);
  if (cost > refilled.available) {
    return { allowed: false, next: refilled, currentlyAvailable: Math.floor(refilled.available) };
  }
  const next = { available: refilled.available - cost, updatedAtMs: nowMs };
  return { allowed: true, next, currentlyAvailable: Math.floor(next.available) };
}
