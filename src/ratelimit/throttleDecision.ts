/**
 * Pure decisions of the rate limiter (JOBBER.md "Rate limits"): Jobber's query-cost bucket is a
 * leaky bucket per app and account that restores `restoreRate` points per second up to
 * `maximumAvailable`; a query whose requested cost exceeds `currentlyAvailable` is refused with
 * `THROTTLED` and costs nothing. These functions do no I/O and read no clock: `now` is passed in.
 */

/** What the gateway believes about one account's bucket; `currentlyAvailable` may be negative (reserved ahead). */
export interface BucketEstimate {
  maximumAvailable: number;
  currentlyAvailable: number;
  /** Points restored per second. */
  restoreRate: number;
  /** Epoch ms at which `currentlyAvailable` was true. */
  observedAt: number;
}

export type ThrottleDecision =
  | { kind: 'go' }
  | { kind: 'wait'; waitMs: number }
  | { kind: 'refuse'; retryAfterMs: number };

/** The bucket's level at `now`: restored since `observedAt`, capped at the maximum. */
export function estimateAvailableAt(bucket: BucketEstimate, now: number): number {
  const elapsedMs = Math.max(0, now - bucket.observedAt);
  const restored = bucket.currentlyAvailable + (elapsedMs / 1000) * bucket.restoreRate;
  return Math.min(bucket.maximumAvailable, restored);
}

/** Milliseconds until `available` reaches `cost` at `restoreRate` points/s (0 when it already does). */
export function computeDeficitWaitMs(cost: number, available: number, restoreRate: number): number {
  const deficit = cost - available;
  if (deficit <= 0) return 0;
  if (!(restoreRate > 0)) return Number.POSITIVE_INFINITY;
  return Math.ceil((deficit / restoreRate) * 1000);
}

export interface BeforeForwardInput {
  /** Requested cost of the query by Jobber's rules. */
  cost: number;
  /** null when nothing is known about this account's bucket yet. */
  bucket: BucketEstimate | null;
  now: number;
  /** The longest the gateway may hold a request before forwarding it. */
  maxWaitMs: number;
}

/**
 * Before forwarding: go when the estimate covers the cost; wait `deficit / restoreRate` when that is
 * within `maxWaitMs`; else refuse without calling Jobber. A cost above the bucket's maximum can never
 * be served by waiting, so it goes and Jobber answers with its own error.
 */
export function decideBeforeForward(input: BeforeForwardInput): ThrottleDecision {
  const { cost, bucket, now, maxWaitMs } = input;
  if (bucket === null || cost <= 0 || cost > bucket.maximumAvailable) return { kind: 'go' };
  const waitMs = computeDeficitWaitMs(cost, estimateAvailableAt(bucket, now), bucket.restoreRate);
  if (waitMs === 0) return { kind: 'go' };
  if (waitMs <= maxWaitMs) return { kind: 'wait', waitMs };
  return { kind: 'refuse', retryAfterMs: Number.isFinite(waitMs) ? waitMs : maxWaitMs };
}

/**
 * Reads an HTTP `Retry-After` value (delay-seconds or an HTTP date) as milliseconds from `now`;
 * undefined when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface AfterThrottledInput {
  isMutation: boolean;
  /** True when this answer was already the one retry. */
  isRetry: boolean;
  /** From the `Retry-After` header, when Jobber sent one; it wins over the bucket arithmetic. */
  retryAfterMs: number | undefined;
  /** Jobber's requested cost of the refused query, when it said. */
  requestedCost: number | undefined;
  /** Jobber's bucket as of the refusal, when it said. */
  throttleStatus: { currentlyAvailable: number; restoreRate: number } | undefined;
  maxWaitMs: number;
  /** Used when Jobber gave neither Retry-After nor a bucket (a bare 429). */
  fallbackWaitMs: number;
}

export type AfterThrottledDecision = { kind: 'retry'; waitMs: number } | { kind: 'refuse'; retryAfterMs: number };

/**
 * After Jobber answered THROTTLED or 429: how long until it would pass, and whether to retry.
 * Only queries are retried, only once, and only when the wait is within `maxWaitMs`; a mutation is
 * never sent twice, whatever Jobber said.
 */
export function decideAfterThrottled(input: AfterThrottledInput): AfterThrottledDecision {
  const waitMs = computeThrottledWaitMs(input);
  if (!input.isMutation && !input.isRetry && waitMs <= input.maxWaitMs) return { kind: 'retry', waitMs };
  return { kind: 'refuse', retryAfterMs: waitMs };
}

function computeThrottledWaitMs(input: AfterThrottledInput): number {
  if (input.retryAfterMs !== undefined) return input.retryAfterMs;
  const { throttleStatus, requestedCost } = input;
  if (throttleStatus !== undefined && requestedCost !== undefined) {
    const waitMs = computeDeficitWaitMs(requestedCost, throttleStatus.currentlyAvailable, throttleStatus.restoreRate);
    if (Number.isFinite(waitMs)) return waitMs;
  }
  return input.fallbackWaitMs;
}

/**
 * Debits `cost` from the estimate at `now` when the decision lets the request through (go or wait):
 * a waiting request reserves points ahead (the level may go negative), so the next concurrent
 * request of the same account sees the deficit and waits behind it instead of racing it.
 */
export function applyReservation(bucket: BucketEstimate, cost: number, now: number): BucketEstimate {
  return { ...bucket, currentlyAvailable: estimateAvailableAt(bucket, now) - cost, observedAt: now };
}

export interface ObservedCost {
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
  /** Jobber's requested and actual cost of the answered query; the difference was reserved but not spent. */
  requestedQueryCost?: number;
  actualQueryCost?: number;
  /** True when Jobber refused the query (THROTTLED): nothing was spent, the whole reservation comes back. */
  refused?: boolean;
}

/**
 * Folds Jobber's answer into the shared estimate. Jobber's level does not yet include requests that
 * are reserved here but still in flight, and the local level does not know what Jobber actually
 * charged: the lower of Jobber's level and (local level + the unspent part of this request's
 * reservation) never admits more than either view allows.
 */
export function mergeObservation(local: BucketEstimate | null, observed: ObservedCost, now: number): BucketEstimate {
  const { maximumAvailable, currentlyAvailable, restoreRate } = observed.throttleStatus;
  const fromJobber: BucketEstimate = { maximumAvailable, currentlyAvailable, restoreRate, observedAt: now };
  if (local === null) return fromJobber;
  const refund = computeRefund(observed);
  const localLevel = Math.min(maximumAvailable, estimateAvailableAt(local, now) + refund);
  return { ...fromJobber, currentlyAvailable: Math.min(currentlyAvailable, localLevel) };
}

function computeRefund(observed: ObservedCost): number {
  const requested = observed.requestedQueryCost;
  if (requested === undefined) return 0;
  if (observed.refused === true) return Math.max(0, requested);
  if (observed.actualQueryCost === undefined) return 0;
  return Math.max(0, requested - observed.actualQueryCost);
}
