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
  /** Accounts whose last written record is remembered (to skip a read before writing). Default 10000. */
  maxKnownRecords?: number;
  /** How long a lazy observation waits for a reservation to share its write, ms. Default 50. */
  lazyWriteMs?: number;
}

export type ReserveResult = ThrottleDecision | { kind: 'unknown' };

/**
 * Per-installation estimates of Jobber's cost bucket, kept in the store so every gateway process
 * paces the same account together. Every write is a compare-and-set on the whole record, so two
 * processes reserving at once cannot both spend the same points.
 */
export interface CostBuckets {
  read(ref: InstallationRef): Promise<BucketEstimate | null>;
  /**
   * Folds `extensions.cost` of a Jobber answer into the estimate. With `lazy`, the write may wait up
   * to `lazyWriteMs` to share the next reservation's compare-and-set (resolves once written).
   */
  observe(ref: InstallationRef, observed: ObservedCost, options?: { lazy?: boolean }): Promise<void>;
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
  const maxKnownRecords = options.maxKnownRecords ?? 10_000;
  const lazyWriteMs = options.lazyWriteMs ?? 50;
  const bucketKey = (ref: InstallationRef): string => buildInstallationKey(ref, 'cost-bucket');
  const probeKey = (ref: InstallationRef): string => buildInstallationKey(ref, 'cost-probe');
  /** Updates of each key waiting for the next write. */
  const queues = new Map<string, PendingUpdate[]>();
  /** Keys whose writer runs (it takes whatever queued meanwhile in its next batch). */
  const writing = new Set<string>();
  /** Keys whose queue holds only lazy updates, with the timer that will write them. */
  const lazyTimers = new Map<string, NodeJS.Timeout>();

  /**
   * Updates of one account's estimate are group-committed within a process: while one compare-and-set
   * runs, later updates queue, and the next write applies them all, in arrival order, as one
   * compare-and-set. Concurrent requests of one account would otherwise race each other's
   * compare-and-set (with 32 connections on one account that contention cost more than the
   * forwarding), and one write per update cost store round trips on every request. Across processes
   * the compare-and-set still decides. A lazy update (folding in an answer) waits up to `lazyWriteMs`
   * for the next reservation to share its write. Invariant: an update resolves only after the write
   * that holds it succeeded (or gave up), so a reservation is in the store before its request is forwarded.
   */
  function update(
    ref: InstallationRef,
    change: (current: BucketEstimate | null) => BucketEstimate | null,
    lazy = false,
  ): Promise<boolean> {
    const key = bucketKey(ref);
    return new Promise<boolean>((resolve, reject) => {
      const queue = queues.get(key) ?? [];
      queue.push({ change, resolve, reject });
      queues.set(key, queue);
      if (writing.has(key)) return;
      if (!lazy) return startWriter(ref, key);
      if (!lazyTimers.has(key)) lazyTimers.set(key, setTimeout(() => startWriter(ref, key), lazyWriteMs).unref());
    });
  }

  function startWriter(ref: InstallationRef, key: string): void {
    const timer = lazyTimers.get(key);
    if (timer) {
      clearTimeout(timer);
      lazyTimers.delete(key);
    }
    if (writing.has(key)) return;
    writing.add(key);
    void writeQueued(ref, key);
  }

  async function writeQueued(ref: InstallationRef, key: string): Promise<void> {
    try {
      for (;;) {
        const batch = queues.get(key);
        if (!batch || batch.length === 0) return;
        // Later arrivals start a new queue, written by the next turn of this loop.
        queues.delete(key);
        try {
          const written = await casLoop(ref, key, (current) => applyInOrder(current, batch));
          for (const pending of batch) pending.resolve(written);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      writing.delete(key);
    }
  }

  /**
   * The raw record this process last wrote or read, per key (bounded, oldest dropped): the first
   * compare-and-set of an update expects it without reading, so an account only this process updates
   * costs one store round trip per write. A stale guess only fails that compare-and-set, and a guess
   * is never trusted for a decision that writes nothing (a refusal is always made on a fresh read).
   */
  const known = new Map<string, string>();
  function remember(key: string, raw: string): void {
    known.delete(key);
    known.set(key, raw);
    if (known.size > maxKnownRecords) known.delete(known.keys().next().value as string);
  }

  async function casLoop(
    ref: InstallationRef,
    key: string,
    change: (current: BucketEstimate | null) => BucketEstimate | null,
  ): Promise<boolean> {
    for (let attempt = 0; attempt < maxCasAttempts; attempt++) {
      const guess = attempt === 0 ? known.get(key) : undefined;
      const raw = guess ?? (await store.get(key));
      const next = change(parseBucket(raw));
      if (next === null) {
        if (guess !== undefined) continue;
        return true;
      }
      const value = JSON.stringify(next);
      if (await store.compareAndSet(key, raw, value, { ttlMs: estimateTtlMs })) {
        remember(key, value);
        return true;
      }
      known.delete(key);
    }
    logger.warn({ partnerId: ref.partnerId, accountId: ref.accountId }, 'cost bucket update lost to contention');
    return false;
  }

  return {
    async read(ref) {
      return parseBucket(await store.get(bucketKey(ref)));
    },

    async observe(ref, observed, observeOptions) {
      await update(ref, (current) => mergeObservation(current, observed, clock.now()), observeOptions?.lazy === true);
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

interface PendingUpdate {
  /** Returns the next estimate, or null for no change. May run more than once (on a lost compare-and-set). */
  change(current: BucketEstimate | null): BucketEstimate | null;
  resolve(written: boolean): void;
  reject(error: unknown): void;
}

/** Each change sees the estimate left by the ones before it; null when none of them changed anything. */
function applyInOrder(current: BucketEstimate | null, batch: readonly PendingUpdate[]): BucketEstimate | null {
  let state = current;
  let changed = false;
  for (const pending of batch) {
    const next = pending.change(state);
    if (next !== null) {
      state = next;
      changed = true;
    }
  }
  return changed ? state : null;
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
