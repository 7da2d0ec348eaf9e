import type { Deps } from '../core/deps';
import { decodeInstallationRef } from '../core/installationRef';
import type { RefreshNowOutcome, TokenRefresher } from './tokenRefresher';
import { KEEPER_INDEX_KEY } from './tokenStore';

export interface TokenKeeperOptions {
  deps: Deps;
  refresher: Pick<TokenRefresher, 'refreshNow'>;
  /** Refresh installations whose tokens were not refreshed (or issued) for this long (ms); default 24 h. */
  idleMs?: number;
  /** Mean time between passes (ms), jittered ±50% so processes spread out; default 5 minutes. */
  intervalMs?: number;
  /** At most this many installations per pass; default 100. */
  batch?: number;
}

export type KeeperPassSummary = Record<RefreshNowOutcome | 'failed', number>;

export interface TokenKeeper {
  start(): void;
  /** Stops scheduling and waits for a running pass to end. */
  stop(): Promise<void>;
  runOnce(): Promise<KeeperPassSummary>;
}

/**
 * Keeps idle installations' refresh tokens from ageing out (DESIGN.md "Tokens"). Runs in every process;
 * it never refreshes directly but through `refreshNow`, i.e. under the same single flight and Redis lock
 * as requests. No stampede: when several processes pick the same installation, the loser's re-read after
 * the lock shows a fresh refresh time and it skips.
 */
export function createTokenKeeper(options: TokenKeeperOptions): TokenKeeper {
  const { deps, refresher } = options;
  const idleMs = options.idleMs ?? 24 * 60 * 60 * 1000;
  const intervalMs = options.intervalMs ?? 5 * 60 * 1000;
  const batch = options.batch ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function runOnce(): Promise<KeeperPassSummary> {
    const summary: KeeperPassSummary = { refreshed: 0, skipped: 0, not_installed: 0, reauthorization_required: 0, client_refused: 0, transient: 0, failed: 0 };
    const cutoff = deps.clock.now() - idleMs;
    const due = await deps.store.zRangeByScore(KEEPER_INDEX_KEY, Number.NEGATIVE_INFINITY, cutoff, batch);
    // Each process walks the batch in its own random order, so concurrent keepers mostly take different locks.
    for (const { member } of shuffle(due)) {
      const ref = decodeInstallationRef(member);
      if (!ref) {
        await deps.store.zRem(KEEPER_INDEX_KEY, member);
        continue;
      }
      try {
        const outcome = await refresher.refreshNow(ref, { onlyIfIdleSince: cutoff });
        summary[outcome] += 1;
        if (outcome === 'not_installed') await deps.store.zRem(KEEPER_INDEX_KEY, member);
      } catch (error) {
        summary.failed += 1;
        deps.logger.warn({ err: error, partnerId: ref.partnerId, accountId: ref.accountId }, 'keeper refresh failed');
      }
    }
    if (due.length > 0) deps.logger.info({ ...summary }, 'token keeper pass');
    return summary;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'token keeper pass failed'))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, intervalMs * (0.5 + Math.random()));
    timer.unref();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    runOnce,
  };
}

function shuffle<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
