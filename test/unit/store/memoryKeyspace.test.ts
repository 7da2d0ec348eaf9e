import { createMemoryKeyspace, SWEEP_EVERY_CHANGES, type KeyspaceOperations } from '../../../src/store/memoryKeyspace';
import type { StoreEntry } from '../../../src/store/storeSnapshot';

function setup(): { entries: Map<string, StoreEntry>; keyspace: ReturnType<typeof createMemoryKeyspace>; clock: { now: number }; changes: () => number } {
  const clock = { now: 1000 };
  const entries = new Map<string, StoreEntry>();
  let changes = 0;
  const keyspace = createMemoryKeyspace(entries, { now: () => clock.now }, () => changes++);
  return { entries, keyspace, clock, changes: () => changes };
}

describe('memory keyspace', () => {
  test('when expired keys are never read, then they are swept after SWEEP_EVERY_CHANGES changes', async () => {
    const { entries, keyspace, clock } = setup();
    for (let i = 0; i < 100; i++) await keyspace.set(`state-${i}`, 'v', { ttlMs: 10 });
    await keyspace.set('forever', 'v');
    clock.now += 10;
    expect(entries.size).toBe(101);
    for (let i = 0; i < SWEEP_EVERY_CHANGES - 102; i++) await keyspace.incr('changes');
    expect(entries.size).toBe(102);
    await keyspace.incr('changes');
    expect([...entries.keys()].sort()).toEqual(['changes', 'forever']);
  });

  test.each<[string, (keyspace: KeyspaceOperations) => Promise<unknown>, number]>([
    ['set', (k) => k.set('new', 'v'), 1],
    ['set onlyIfAbsent on an existing key', (k) => k.set('a', 'x', { onlyIfAbsent: true }), 0],
    ['get', (k) => k.get('a'), 0],
    ['compareAndSet that loses', (k) => k.compareAndSet('a', 'other', 'x'), 0],
    ['compareAndSet that wins', (k) => k.compareAndSet('a', '1', 'x'), 1],
    ['del of a missing key', (k) => k.del('missing'), 0],
    ['del of two keys', (k) => k.del('a', 'z'), 1],
    ['zRem of a missing member', (k) => k.zRem('z', 'missing'), 0],
    ['zRem', (k) => k.zRem('z', 'm'), 1],
    ['zRangeByScore', (k) => k.zRangeByScore('z', 0, 10), 0],
  ])('when %s runs, then a write is asked for %p times', async (_label, run, expected) => {
    const { keyspace, changes } = setup();
    await keyspace.set('a', '1');
    await keyspace.zAdd('z', 1, 'm');
    const before = changes();
    await run(keyspace);
    expect(changes() - before).toBe(expected);
  });
});
