import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/deps';
import { GatewayError } from '../errors/gatewayError';
import { atomicWriteFile } from './atomicWriteFile';
import { acquireDataDirLock, type DataDirLock } from './dataDirLock';
import { createLocalPubSub } from './localPubSub';
import { createMemoryKeyspace, type KeyspaceOperations } from './memoryKeyspace';
import type { Store } from './store';
import { parseStoreSnapshot, serializeStoreSnapshot, type StoreEntry } from './storeSnapshot';

export interface EmbeddedStoreOptions {
  /**
   * Folder of `store.json` (the data) and `store.lock` (the owning pid); created when missing.
   * `null` keeps everything in memory only (tests, the demo's fallback): no files, no lock.
   */
  dataDir: string | null;
  /** Time source for TTLs; default the system clock. */
  clock?: Clock;
  /** Milliseconds between a change and its write, so a burst of changes costs one write; default 20. */
  flushDelayMs?: number;
  /**
   * Told when a background write of store.json fails (disk full, permissions). The change stays in
   * memory and is written with the next change or on close(); default: ignore.
   */
  onPersistError?: (error: unknown) => void;
}

/**
 * The embedded store: Redis semantics in memory, persisted to `dataDir/store.json` by atomic
 * writes, for one process only. Rejects with STORE_UNAVAILABLE when another live process holds
 * the folder, or when store.json cannot be read as a snapshot (the file is then left untouched,
 * so no data is lost by starting with an empty store).
 */
export async function createEmbeddedStore(options: EmbeddedStoreOptions): Promise<Store> {
  const clock = options.clock ?? systemClock;
  if (options.dataDir === null) return wrapKeyspace(new Map(), clock, null);
  const dataDir = options.dataDir;
  try {
    await fs.mkdir(dataDir, { recursive: true });
  } catch (error) {
    throw new GatewayError('STORE_UNAVAILABLE', `Cannot create the embedded store folder ${dataDir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const lock = await acquireDataDirLock(dataDir);
  try {
    const file = join(dataDir, 'store.json');
    await removeTempFiles(dataDir);
    const entries = await loadEntries(file, clock.now());
    return wrapKeyspace(entries, clock, { file, lock, flushDelayMs: options.flushDelayMs ?? 20, onPersistError: options.onPersistError });
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** Temp files of writes cut short by a crash; store.json itself is whole (the rename never happened). */
async function removeTempFiles(dataDir: string): Promise<void> {
  for (const name of await fs.readdir(dataDir)) {
    if (/^store\.json\.\d+\.tmp$/.test(name)) await fs.rm(join(dataDir, name), { force: true });
  }
}

async function loadEntries(file: string, now: number): Promise<Map<string, StoreEntry>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new GatewayError('STORE_UNAVAILABLE', `Cannot read the embedded store ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseStoreSnapshot(text, now);
  if (!parsed.ok) {
    throw new GatewayError(
      'STORE_UNAVAILABLE',
      `The embedded store ${file} is damaged: ${parsed.reason}. It was left as it is; ` +
        'restore it from a backup, or move it away to start with an empty store.',
    );
  }
  return parsed.entries;
}

interface Persistence {
  file: string;
  lock: DataDirLock;
  flushDelayMs: number;
  onPersistError: ((error: unknown) => void) | undefined;
}

function wrapKeyspace(entries: Map<string, StoreEntry>, clock: Clock, persistence: Persistence | null): Store {
  let closed = false;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  // At most one write in flight and one armed timer: changes made during a write are written by
  // the next one, so a slow disk (or a large store) never builds a backlog of writes.
  let writing: Promise<void> | undefined;
  // The last write's failure, until a write succeeds: ping() reports it, so /readyz fails while
  // changes cannot reach the disk.
  let persistFailure: GatewayError | undefined;

  function schedule(): void {
    dirty = true;
    if (!persistence || timer || writing || closed) return;
    const { flushDelayMs, onPersistError } = persistence;
    timer = setTimeout(() => {
      timer = undefined;
      // After a success, changes made meanwhile get the next write; after a failure, the next
      // change retries (no hot loop of failing writes).
      writing = flush().then(
        () => {
          writing = undefined;
          if (dirty) schedule();
        },
        (error: unknown) => {
          writing = undefined;
          onPersistError?.(error);
        },
      );
    }, flushDelayMs);
  }

  async function flush(): Promise<void> {
    if (!persistence || !dirty) return;
    keyspace.sweepExpired();
    dirty = false;
    try {
      await atomicWriteFile(persistence.file, serializeStoreSnapshot(entries, clock.now()));
      persistFailure = undefined;
    } catch (error) {
      dirty = true;
      persistFailure = new GatewayError('STORE_UNAVAILABLE', `Cannot write the embedded store ${persistence.file}: ${(error as Error).message}`, {
        cause: error,
      });
      throw persistFailure;
    }
  }

  const keyspace = createMemoryKeyspace(entries, clock, schedule);

  function guarded<K extends keyof KeyspaceOperations>(name: K): KeyspaceOperations[K] {
    const operation = keyspace[name] as (...args: unknown[]) => Promise<unknown>;
    return ((...args: unknown[]) => {
      if (closed) return Promise.reject(new GatewayError('STORE_UNAVAILABLE', 'The embedded store is closed'));
      return operation(...args);
    }) as KeyspaceOperations[K];
  }

  const pubSub = createLocalPubSub(
    () => closed,
    () => new GatewayError('STORE_UNAVAILABLE', 'The embedded store is closed'),
  );

  return {
    get: guarded('get'),
    mget: guarded('mget'),
    set: guarded('set'),
    del: guarded('del'),
    getDel: guarded('getDel'),
    compareAndSet: guarded('compareAndSet'),
    compareAndDelete: guarded('compareAndDelete'),
    compareAndExpire: guarded('compareAndExpire'),
    ttlMs: guarded('ttlMs'),
    incr: guarded('incr'),
    zAdd: guarded('zAdd'),
    zRem: guarded('zRem'),
    zRangeByScore: guarded('zRangeByScore'),
    zScore: guarded('zScore'),
    zCard: guarded('zCard'),
    publish: pubSub.publish,
    subscribe: pubSub.subscribe,
    async ping() {
      if (closed) throw new GatewayError('STORE_UNAVAILABLE', 'The embedded store is closed');
      if (persistFailure) throw persistFailure;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      if (!persistence) return;
      try {
        await writing;
        await flush();
      } finally {
        await persistence.lock.release();
      }
    },
  };
}
