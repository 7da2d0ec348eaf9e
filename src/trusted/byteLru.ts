/** Bounds of a ByteLru. */
export interface ByteLruOptions {
  /** Most bytes (as each entry's `bytes` says) held by all entries together. */
  maxBytes: number;
  /** Most entries held. */
  maxEntries: number;
}

export interface ByteLru<V> {
  /** The value, made the most recently used; undefined when absent. */
  get(key: string): V | undefined;
  /** Adds or replaces, then drops the least recently used entries until both bounds hold (an entry larger than maxBytes is not kept). */
  set(key: string, value: V, bytes: number): void;
  delete(key: string): void;
  readonly size: number;
  readonly bytes: number;
}

/**
 * A least-recently-used map bounded by entries and by bytes: a Map in recency order (a hit moves the
 * entry to the end; the first entry is the least recently used), as the fast path's document cache is.
 */
export function createByteLru<V>(options: ByteLruOptions): ByteLru<V> {
  const entries = new Map<string, { value: V; bytes: number }>();
  let bytes = 0;

  function remove(key: string): void {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.bytes;
  }

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, size) {
      remove(key);
      if (size > options.maxBytes) return;
      entries.set(key, { value, bytes: size });
      bytes += size;
      while (entries.size > options.maxEntries || bytes > options.maxBytes) remove(entries.keys().next().value as string);
    },
    delete: remove,
    get size() {
      return entries.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
