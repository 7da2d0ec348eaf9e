import type { Deps } from '../core/deps';
import { ErrorCode, GatewayError } from '../errors/gatewayError';
import type { ForwardPacer, JobberRequest, JobberResponse } from '../gateway/jobberForwardTypes';
import { MAX_COST_DEPTH, type QueryCostMeasure } from '../jobber/estimateQueryCost';
import { type CostBuckets, createCostBuckets } from './costBuckets';
import { decideAfterThrottled, type ObservedCost, parseRetryAfterMs } from './throttleDecision';

/** What the pacer did to a request (metrics): held it for `waitMs`, or answered UPSTREAM_THROTTLED. */
export type PacerEvent = { kind: 'wait'; waitMs: number } | { kind: 'refuse'; stage: 'before_forward' | 'after_throttled' };

export interface RateLimiterOptions {
  deps: Pick<Deps, 'store' | 'clock' | 'logger'>;
  /**
   * Requested cost of a request by Jobber's rules (see `createCostEstimator`). May throw on a
   * document it cannot read: the request then goes unpaced and Jobber answers it.
   */
  estimateCost(request: JobberRequest): QueryCostMeasure;
  /**
   * Largest cost forwarded, points. Jobber's bucket holds at most 10000 (JOBBER.md), so a costlier
   * query could never run: it is refused here with QUERY_TOO_COSTLY instead of being sent or paced.
   * Default 10000.
   */
  maxQueryCost?: number;
  /** The longest a request is held before forwarding or before its one retry, ms. Default 5000. */
  maxWaitMs?: number;
  /** Wait assumed after a bare 429 (no Retry-After, no bucket), ms. Default 1000. */
  fallbackWaitMs?: number;
  /** How often a request of an account with no estimate yet looks again while another probes, ms. Default 25. */
  probePollMs?: number;
  /** Defaults to real timers; the wait itself is never skipped. */
  sleep?: (ms: number) => Promise<void>;
  /** Defaults to `createCostBuckets({ deps })`. */
  buckets?: CostBuckets;
  /** Told of every wait and refusal (src/observability). */
  onPaced?(event: PacerEvent): void;
}

/** Jobber's bucket maximum (JOBBER.md "Rate limits"): no query above it can ever run. */
export const DEFAULT_MAX_QUERY_COST = 10_000;

/** Added to every pacing wait, ms: the wait is rounded to whole ms, and a request that arrives a hair early is refused. */
const WAIT_MARGIN_MS = 10;

/** What the limiter remembers about one request between its two hooks (keyed by the request object). */
interface RequestState {
  cost: number;
  holdsProbe: boolean;
  retried: boolean;
}

/**
 * The forwarding pacer (DESIGN.md "Forwarding", JOBBER.md "Rate limits"): before a request goes to
 * Jobber it reserves its estimated cost in the account's shared bucket estimate, waiting
 * `deficit / restoreRate` when that is within `maxWaitMs` and refusing with UPSTREAM_THROTTLED
 * (extensions.retryAfterMs) otherwise; after every answer it folds `extensions.cost.throttleStatus`
 * back in, and after THROTTLED / 429 it retries a query once (never a mutation) under the same bound.
 * An account with no estimate yet sends one request first (the probe) so a cold burst cannot overrun it.
 */
export function createRateLimiter(options: RateLimiterOptions): ForwardPacer {
  const { clock, logger } = options.deps;
  const maxWaitMs = options.maxWaitMs ?? 5000;
  const fallbackWaitMs = options.fallbackWaitMs ?? 1000;
  const probePollMs = options.probePollMs ?? 25;
  const maxQueryCost = options.maxQueryCost ?? DEFAULT_MAX_QUERY_COST;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const buckets = options.buckets ?? createCostBuckets({ deps: options.deps });
  const onPaced = options.onPaced ?? (() => undefined);

  /**
   * Waits until the clock reads `deadline`. A timer alone may end early by the clock: Node schedules it
   * from the event loop's cached time, which lags behind on a busy loop, and a paced request that
   * reaches Jobber a few ms before its points are restored is refused.
   */
  async function sleepUntil(deadline: number): Promise<void> {
    for (let left = deadline - clock.now(); left > 0; left = deadline - clock.now()) await sleep(left);
  }
  const states = new WeakMap<JobberRequest, RequestState>();

  /** The cost to reserve, or the refusal of a query Jobber's bucket could never hold. */
  function estimate(request: JobberRequest): number | GatewayError {
    let measured: QueryCostMeasure;
    try {
      measured = options.estimateCost(request);
    } catch (error) {
      logger.debug({ err: error }, 'query cost not estimated; forwarding unpaced');
      return 0;
    }
    if (!measured.complete) {
      const why =
        measured.stoppedBy === 'depth'
          ? `its selections nest deeper than ${MAX_COST_DEPTH} levels`
          : `estimating it takes more than ${measured.nodesWalked} steps`;
      return new GatewayError(ErrorCode.QUERY_TOO_COSTLY, `The query is too large to estimate its cost: ${why}.`, {
        extensions: measured.stoppedBy === 'depth' ? { maximumDepth: MAX_COST_DEPTH } : { maximumCostSteps: measured.nodesWalked },
      });
    }
    if (measured.cost > maxQueryCost) {
      return new GatewayError(
        ErrorCode.QUERY_TOO_COSTLY,
        `The query's estimated cost (${measured.cost}) exceeds Jobber's maximum of ${maxQueryCost} points per query; ask for fewer items (first/last) or fewer fields.`,
        { extensions: { estimatedCost: measured.cost, maximumCost: maxQueryCost } },
      );
    }
    return measured.cost;
  }

  function throttledError(retryAfterMs: number, stage: 'before_forward' | 'after_throttled'): GatewayError {
    onPaced({ kind: 'refuse', stage });
    return new GatewayError(ErrorCode.UPSTREAM_THROTTLED, 'Jobber is rate limiting this account; retry later.', {
      extensions: { retryAfterMs },
    });
  }

  return {
    async beforeForward(ref, request) {
      const cost = estimate(request);
      if (cost instanceof GatewayError) {
        logger.info({ partnerId: ref.partnerId, accountId: ref.accountId, ...cost.extensions }, 'query refused: too costly for Jobber');
        return { kind: 'refuse', error: cost };
      }
      const state: RequestState = { cost, holdsProbe: false, retried: false };
      states.set(request, state);
      if (state.cost <= 0) return { kind: 'go' };
      const deadline = clock.now() + maxWaitMs;
      for (;;) {
        const remaining = Math.max(0, deadline - clock.now());
        const result = await buckets.reserve(ref, state.cost, remaining);
        if (result.kind === 'go') return { kind: 'go' };
        if (result.kind === 'refuse') return { kind: 'refuse', error: throttledError(result.retryAfterMs, 'before_forward') };
        if (result.kind === 'wait') {
          const waitMs = result.waitMs + WAIT_MARGIN_MS;
          await sleepUntil(clock.now() + waitMs);
          onPaced({ kind: 'wait', waitMs });
          return { kind: 'go' };
        }
        // Unknown bucket: exactly one request learns it; the others wait for its answer, within the bound.
        if (await buckets.claimProbe(ref)) {
          state.holdsProbe = true;
          return { kind: 'go' };
        }
        if (remaining === 0) return { kind: 'go' };
        await sleep(Math.min(probePollMs, remaining));
      }
    },

    async abandon(ref, request) {
      const state = states.get(request);
      // Others of this account wait for the probe's answer: without one, let the next request probe at once.
      if (state?.holdsProbe) {
        state.holdsProbe = false;
        await buckets.releaseProbe(ref);
      }
    },

    async afterResponse(ref, request, answer) {
      const state = states.get(request) ?? { cost: 0, holdsProbe: false, retried: false };
      states.set(request, state);
      const cost = readCost(answer.json);
      const throttled = answer.status === 429 || isThrottledBody(answer.json);
      const holdsProbe = state.holdsProbe;
      state.holdsProbe = false;
      // Folding the answer into the shared estimate does not hold up the answer: this process's next
      // update of the account queues behind it (costBuckets writes one account's updates in order), and
      // the probe is released only once the estimate it learned is written.
      void (async () => {
        try {
          // Lazily, unless other requests wait on this answer (the probe) or Jobber refused (others must slow down now).
          if (cost !== undefined) await buckets.observe(ref, { ...cost, refused: throttled }, { lazy: !holdsProbe && !throttled });
        } finally {
          if (holdsProbe) await buckets.releaseProbe(ref);
        }
      })().catch((error: unknown) => logger.warn({ err: error, partnerId: ref.partnerId, accountId: ref.accountId }, 'cost bucket update failed'));
      if (!throttled) return { kind: 'ok' };

      const decision = decideAfterThrottled({
        isMutation: request.isMutation,
        isRetry: state.retried,
        retryAfterMs: parseRetryAfterMs(answer.retryAfterHeader, clock.now()),
        requestedCost: cost?.requestedQueryCost ?? (state.cost > 0 ? state.cost : undefined),
        throttleStatus: cost?.throttleStatus,
        maxWaitMs,
        fallbackWaitMs,
      });
      logger.info(
        { partnerId: ref.partnerId, accountId: ref.accountId, status: answer.status, decision: decision.kind },
        'Jobber throttled a request',
      );
      if (decision.kind === 'refuse') return { kind: 'refuse', error: throttledError(decision.retryAfterMs, 'after_throttled') };
      state.retried = true;
      // The retry queues in the shared estimate like any request, so it cannot overtake earlier ones.
      const reserved = state.cost > 0 ? await buckets.reserve(ref, state.cost, maxWaitMs) : { kind: 'go' as const };
      if (reserved.kind === 'refuse') return { kind: 'refuse', error: throttledError(reserved.retryAfterMs, 'after_throttled') };
      const queuedMs = reserved.kind === 'wait' ? reserved.waitMs : 0;
      const waitMs = Math.max(decision.waitMs, queuedMs);
      if (waitMs > 0) onPaced({ kind: 'wait', waitMs });
      return { kind: 'retry', waitMs };
    },
  };
}

/** `extensions.cost` of a Jobber answer, when it has a usable throttle status. */
export function readCost(json: JobberResponse | undefined): ObservedCost | undefined {
  const cost = json?.extensions?.cost as Record<string, unknown> | undefined;
  const status = cost?.throttleStatus as Record<string, unknown> | undefined;
  if (!status) return undefined;
  const { maximumAvailable, currentlyAvailable, restoreRate } = status;
  if (typeof maximumAvailable !== 'number' || typeof currentlyAvailable !== 'number' || typeof restoreRate !== 'number') {
    return undefined;
  }
  const observed: ObservedCost = { throttleStatus: { maximumAvailable, currentlyAvailable, restoreRate } };
  if (typeof cost?.requestedQueryCost === 'number') observed.requestedQueryCost = cost.requestedQueryCost;
  if (typeof cost?.actualQueryCost === 'number') observed.actualQueryCost = cost.actualQueryCost;
  return observed;
}

/** Jobber refuses an over-budget query with `errors[].extensions.code = "THROTTLED"` (HTTP 200 or 429). */
export function isThrottledBody(json: JobberResponse | undefined): boolean {
  return json?.errors?.some((error) => error.extensions?.code === 'THROTTLED') ?? false;
}
