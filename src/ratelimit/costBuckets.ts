import type { Deps } from '../core/deps';
import { buildInstallationKey, type InstallationRef } from '../core/installationRef';
import {
  applyReservation,
  type BucketEstimate,
  decideBeforeForward,
  mergeObservation,
  type ObservedCost,
  type ThrottleDecision,
} from './throttleDecision';

export interface CostBucketsOptions {
  deps: Pick<Deps, 'store' | 'clock' | 'logger'>;
  /** How long an estimate is kept after its last update, ms. Default 1 hour (a full bucket is still knowledge). */
  estimateTtlMs?: number;
  /** How long the single first request of an unknown account holds the probe, ms. Default 15000 (Jobber's timeout). */
  probeTtlMs?: number;
  /** Compare-and-set attempts before giving up on pacing one request. Default 20. */
  maxCasAttempts?: number;
}

export type ReserveResult = ThrottleDecision | { kind: 'unknown' };

/**
 * Per-installation estimates of Jobber's cost bucket, kept in the store so every gateway process
 * paces the same account together. Every write is a compare-and-set on the whole record, so two
 * processes reserving at once cannot both spend the same points.
 */
export interface CostBuckets {
  read(ref: InstallationRef): Promise<BucketEstimate | null>;
  /** Folds `extensions.cost` of a Jobber answer into the estimate. */
  observe(ref: InstallationRef, observed: ObservedCost): Promise<void>;
  /**
   * Decides for a request of `cost` and, on go or wait, debits the cost at once (ahead of the wait),
   * so concurrent requests of one account queue up behind each other. `unknown`: no estimate yet.
   */
  reserve(ref: InstallationRef, cost: number, maxWaitMs: number): Promise<ReserveResult>;
  /** Lets exactly one request of an account with no estimate go first; true for the one that may. */
  claimProbe(ref: InstallationRef): Promise<boolean>;
  releaseProbe(ref: InstallationRef): Promise<void>;
}

export function createCostBuckets(options: CostBucketsOptions): CostBuckets {
  const { store, clock, logger } = options.deps;
  const estimateTtlMs = options.estimateTtlMs ?? 60 * 60 * 1000;
  const probeTtlMs = options.probeTtlMs ?? 15_000;
  const maxCasAttempts = options.maxCasAttempts ?? 20;
  const bucketKey = (ref: InstallationRef): string => buildInstallationKey(ref, 'cost-bucket');
  const probeKey = (ref: InstallationRef): string => buildInstallationKey(ref, 'cost-probe');
  /** The tail of each key's chain of updates in this process (removed when it settles and is still the tail). */
  const tails = new Map<string, Promise<unknown>>();

  /**
   * Updates of one account's estimate run one after another within a process: concurrent requests of
   * one account would otherwise race each other's compare-and-set and retry (with 32 connections on
   * one account that contention cost more than the forwarding). Across processes the compare-and-set
   * still decides.
   */
  function inTurn<T>(key: string, step: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(step, step);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  }

  function update(ref: InstallationRef, change: (current: BucketEstimate | null) => BucketEstimate | null): Promise<boolean> {
    const key = bucketKey(ref);
    return inTurn(key, () => casLoop(ref, key, change));
  }

  async function casLoop(
    ref: InstallationRef,
    key: string,
    change: (current: BucketEstimate | null) => BucketEstimate | null,
  ): Promise<boolean> {
    for (let attempt = 0; attempt < maxCasAttempts; attempt++) {
      const raw = await store.get(key);
      const next = change(parseBucket(raw));
      if (next === null) return true;
      if (await store.compareAndSet(key, raw, JSON.stringify(next), { ttlMs: estimateTtlMs })) return true;
    }
    logger.warn({ partnerId: ref.partnerId, accountId: ref.accountId }, 'cost bucket update lost to contention');
    return false;
  }

  return {
    async read(ref) {
      return parseBucket(await store.get(bucketKey(ref)));
    },

    async observe(ref, observed) {
      await update(ref, (current) => mergeObservation(current, observed, clock.now()));
    },

    async reserve(ref, cost, maxWaitMs) {
      let result: ReserveResult = { kind: 'go' };
      const written = await update(ref, (current) => {
        if (current === null) {
          result = { kind: 'unknown' };
          return null;
        }
        const now = clock.now();
        result = decideBeforeForward({ cost, bucket: current, now, maxWaitMs });
        return result.kind === 'refuse' ? null : applyReservation(current, cost, now);
      });
      // Losing every compare-and-set means heavy contention on one account; let the request go
      // rather than fail it, Jobber's own THROTTLED handling still applies.
      return written ? result : { kind: 'go' };
    },

    async claimProbe(ref) {
      return store.set(probeKey(ref), String(clock.now()), { onlyIfAbsent: true, ttlMs: probeTtlMs });
    },

    async releaseProbe(ref) {
      await store.del(probeKey(ref));
    },
  };
}

function parseBucket(raw: string | null): BucketEstimate | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<BucketEstimate>;
    const { maximumAvailable, currentlyAvailable, restoreRate, observedAt } = value;
    if ([maximumAvailable, currentlyAvailable, restoreRate, observedAt].every((n) => typeof n === 'number')) {
      return value as BucketEstimate;
    }
  } catch {
    // A malformed record is treated as no knowledge; the next observation rewrites it.
  }
  return null;
}
