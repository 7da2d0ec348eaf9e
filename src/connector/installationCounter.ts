import type { Clock } from '../core/deps';
import { decodeInstallationRef } from '../core/installationRef';
import type { Logger } from 'pino';
import type { Store } from '../store/store';
import { ALL_INSTALLATIONS_KEY, buildInstallationRecordKey, type InstallationStatus } from './installationStore';

export interface InstallationCounterOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** How long one count is served before the store is read again, ms. Default 60000. */
  ttlMs?: number;
  /** Most records read per count; past it the count covers the first ones (and says so in the log). Default 100000. */
  maxRecords?: number;
  /** Records read per store round trip. Default 500. */
  chunkSize?: number;
}

const STATUSES: readonly InstallationStatus[] = ['PENDING', 'INSTALLED', 'REAUTHORIZATION_REQUIRED', 'DISCONNECTED'];

/**
 * Installations per status for the `gateway_installations` gauge, counted from the store rather than
 * kept as running counts: a running count in the store would need an atomic step beside every status
 * change (the store has no multi-key transaction on Redis Cluster), and would drift for good after one
 * crash between the two writes; a count read from the records is always right when it is made. Its cost
 * is bounded: at most one count per `ttlMs` per process (concurrent scrapes share it), at most
 * `maxRecords` records, read `chunkSize` at a time. When the store fails, the last count is served.
 */
export function createInstallationCounter(options: InstallationCounterOptions): () => Promise<Record<string, number>> {
  const { store, clock, logger } = options;
  const ttlMs = options.ttlMs ?? 60_000;
  const maxRecords = options.maxRecords ?? 100_000;
  const chunkSize = options.chunkSize ?? 500;
  let last: { at: number; counts: Record<string, number> } | undefined;
  let running: Promise<Record<string, number>> | undefined;

  async function count(): Promise<Record<string, number>> {
    const members = await store.zRangeByScore(ALL_INSTALLATIONS_KEY, 0, 0, maxRecords + 1);
    if (members.length > maxRecords) logger.warn({ maxRecords }, 'gateway_installations counts only the first installations');
    const counts: Record<string, number> = Object.fromEntries(STATUSES.map((status) => [status, 0]));
    const keys = members.slice(0, maxRecords).flatMap((entry) => {
      const ref = decodeInstallationRef(entry.member);
      return ref ? [buildInstallationRecordKey(ref)] : [];
    });
    for (let start = 0; start < keys.length; start += chunkSize) {
      for (const raw of await store.mget(keys.slice(start, start + chunkSize))) {
        const status = raw === null ? undefined : readStatus(raw);
        if (status !== undefined) counts[status] = (counts[status] ?? 0) + 1;
      }
    }
    return counts;
  }

  return async () => {
    if (last && clock.now() - last.at < ttlMs) return last.counts;
    running ??= count()
      .then((counts) => {
        last = { at: clock.now(), counts };
        return counts;
      })
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'installations not counted; /metrics serves the last count');
        return last?.counts ?? {};
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}

/** The status of a stored installation record, without trusting its shape. */
function readStatus(raw: string): string | undefined {
  try {
    const status = (JSON.parse(raw) as { status?: unknown }).status;
    return typeof status === 'string' && (STATUSES as readonly string[]).includes(status) ? status : undefined;
  } catch {
    return undefined;
  }
}
