import { createByteLru } from '../../../src/trusted/byteLru';

describe('byte-bounded LRU', () => {
  test('when entries exceed the byte bound, then the least recently used go first (a hit makes an entry recent)', () => {
    const lru = createByteLru<string>({ maxBytes: 10, maxEntries: 100 });
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    expect(lru.get('a')).toBe('A');
    lru.set('c', 'C', 4);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual(['A', undefined, 'C']);
    expect([lru.size, lru.bytes]).toEqual([2, 8]);
  });

  test('when entries exceed the entry bound, then the oldest goes', () => {
    const lru = createByteLru<number>({ maxBytes: 1000, maxEntries: 2 });
    lru.set('a', 1, 1);
    lru.set('b', 2, 1);
    lru.set('c', 3, 1);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([undefined, 2, 3]);
  });

  test('when one entry is larger than the whole bound, then it is not kept and nothing else is dropped', () => {
    const lru = createByteLru<string>({ maxBytes: 10, maxEntries: 10 });
    lru.set('a', 'A', 5);
    lru.set('huge', 'H', 11);
    expect([lru.get('a'), lru.get('huge'), lru.bytes]).toEqual(['A', undefined, 5]);
  });

  test('when a key is set again or deleted, then its bytes are counted once or not at all', () => {
    const lru = createByteLru<string>({ maxBytes: 10, maxEntries: 10 });
    lru.set('a', 'A', 5);
    lru.set('a', 'AA', 6);
    expect(lru.bytes).toBe(6);
    lru.delete('a');
    expect([lru.size, lru.bytes]).toEqual([0, 0]);
  });
});
