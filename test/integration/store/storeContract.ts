/**
 * The one contract both store implementations pass (DESIGN.md "Store"). `makeStore` opens the
 * suite's store; called again after close() it must open the same data (that is how persistence is
 * checked). Each test names its own random keys, so tests never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import { isGatewayError } from '../../../src/errors/gatewayError';
import type { Store } from '../../../src/store/store';
import { waitFor } from '../../support/waitFor';


export async function expectGatewayError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isGatewayError(error) ? error.code : error).toBe(code);
}

export function describeStoreContract(name: string, makeStore: () => Promise<Store>, cleanup: () => Promise<void>): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    // No hash tag: keys of one test land on different Cluster slots, as callers' keys do.
    let prefix: string;
    const k = (suffix: string): string => `${prefix}${suffix}`;

    beforeEach(async () => {
      prefix = `contract:${randomBytes(4).toString('hex')}:`;
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });
    afterAll(async () => {
      await cleanup();
    });

    test('when a key is set, then get returns it, and a missing key reads as null', async () => {
      expect(await store.set(k('a'), 'value é ✓ 🚀')).toBe(true);
      expect(await store.get(k('a'))).toBe('value é ✓ 🚀');
      expect(await store.get(k('missing'))).toBeNull();
    });

    test('when set with onlyIfAbsent on an existing key, then it returns false and keeps the value', async () => {
      expect(await store.set(k('a'), 'first', { onlyIfAbsent: true })).toBe(true);
      expect(await store.set(k('a'), 'second', { onlyIfAbsent: true })).toBe(false);
      expect(await store.get(k('a'))).toBe('first');
    });

    test('when set with a TTL, then ttlMs reports it and the key disappears after it', async () => {
      await store.set(k('long'), 'v', { ttlMs: 60_000 });
      const ttl = await store.ttlMs(k('long'));
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await store.set(k('short'), 'v', { ttlMs: 150 });
      expect(await store.get(k('short'))).toBe('v');
      await waitFor(async () => (await store.get(k('short'))) === null, 'the key to expire', 5000);
      expect(await store.ttlMs(k('short'))).toBeNull();
      expect(await store.set(k('short'), 'again', { onlyIfAbsent: true })).toBe(true);
    });

    test('when a key is set again without a TTL, then it has no TTL and ttlMs is null', async () => {
      await store.set(k('a'), 'v', { ttlMs: 60_000 });
      await store.set(k('a'), 'w');
      expect(await store.ttlMs(k('a'))).toBeNull();
      expect(await store.ttlMs(k('missing'))).toBeNull();
    });

    test('when mget names keys on many slots, then values come back in order with null for missing', async () => {
      const keys = Array.from({ length: 30 }, (_, i) => k(`m${i}`));
      for (const [i, key] of keys.entries()) if (i % 3 !== 0) await store.set(key, `v${i}`);
      expect(await store.mget(keys)).toEqual(keys.map((_, i) => (i % 3 === 0 ? null : `v${i}`)));
      expect(await store.mget([])).toEqual([]);
    });

    test('when del names several keys on different slots, then it returns how many existed', async () => {
      await store.set(k('a'), '1');
      await store.set(k('b'), '2');
      await store.zAdd(k('z'), 1, 'm');
      expect(await store.del(k('a'), k('b'), k('z'), k('missing'))).toBe(3);
      expect(await store.mget([k('a'), k('b')])).toEqual([null, null]);
      expect(await store.zCard(k('z'))).toBe(0);
      expect(await store.del()).toBe(0);
    });

    test('when many callers getDel one value at once, then exactly one gets it', async () => {
      await store.set(k('state'), 'once');
      const results = await Promise.all(Array.from({ length: 20 }, () => store.getDel(k('state'))));
      expect(results.filter((value) => value === 'once')).toHaveLength(1);
      expect(results.filter((value) => value === null)).toHaveLength(19);
      expect(await store.get(k('state'))).toBeNull();
    });

    test('when compareAndSet expects null, then it creates a missing key only', async () => {
      expect(await store.compareAndSet(k('a'), null, 'v1')).toBe(true);
      expect(await store.compareAndSet(k('a'), null, 'v2')).toBe(false);
      expect(await store.get(k('a'))).toBe('v1');
    });

    test('when compareAndSet expects a value, then it replaces only that value and applies its TTL', async () => {
      await store.set(k('a'), 'v1');
      expect(await store.compareAndSet(k('a'), 'other', 'x')).toBe(false);
      expect(await store.compareAndSet(k('missing'), 'v1', 'x')).toBe(false);
      expect(await store.get(k('missing'))).toBeNull();
      expect(await store.compareAndSet(k('a'), 'v1', 'v2', { ttlMs: 60_000 })).toBe(true);
      expect(await store.get(k('a'))).toBe('v2');
      expect(await store.ttlMs(k('a'))).toBeGreaterThan(55_000);
      expect(await store.compareAndSet(k('a'), 'v2', 'v3')).toBe(true);
      expect(await store.ttlMs(k('a'))).toBeNull();
    });

    test('when 50 callers compareAndSet the same version at once, then exactly one wins', async () => {
      await store.set(k('record'), 'version-0');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.compareAndSet(k('record'), 'version-0', `version-1-by-${i}`)),
      );
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await store.get(k('record'))).toBe(`version-1-by-${winners[0]}`);
    });

    test('when compareAndDelete names the current value, then it deletes; otherwise nothing changes', async () => {
      await store.set(k('lock'), 'owner-1');
      expect(await store.compareAndDelete(k('lock'), 'owner-2')).toBe(false);
      expect(await store.get(k('lock'))).toBe('owner-1');
      expect(await store.compareAndDelete(k('lock'), 'owner-1')).toBe(true);
      expect(await store.get(k('lock'))).toBeNull();
      expect(await store.compareAndDelete(k('lock'), 'owner-1')).toBe(false);
    });

    test('when compareAndExpire names the current value, then it sets the TTL; otherwise nothing changes', async () => {
      await store.set(k('lock'), 'owner-1', { ttlMs: 5_000 });
      expect(await store.compareAndExpire(k('lock'), 'owner-2', 60_000)).toBe(false);
      expect(await store.ttlMs(k('lock'))).toBeLessThanOrEqual(5_000);
      expect(await store.compareAndExpire(k('lock'), 'owner-1', 60_000)).toBe(true);
      expect(await store.ttlMs(k('lock'))).toBeGreaterThan(55_000);
      expect(await store.compareAndExpire(k('missing'), 'owner-1', 60_000)).toBe(false);
      expect(await store.get(k('missing'))).toBeNull();
    });

    test('when incr creates a key with a TTL, then later increments keep that TTL', async () => {
      expect(await store.incr(k('count'), { ttlMs: 60_000 })).toBe(1);
      expect(await store.incr(k('count'), { ttlMs: 1_000 })).toBe(2);
      expect(await store.ttlMs(k('count'))).toBeGreaterThan(55_000);
      expect(await store.incr(k('plain'))).toBe(1);
      expect(await store.ttlMs(k('plain'))).toBeNull();
      await store.set(k('preset'), '41');
      expect(await store.incr(k('preset'))).toBe(42);
      expect(await store.get(k('preset'))).toBe('42');
    });

    test('when 50 callers incr at once, then every increment counts', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => store.incr(k('count'))));
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await store.get(k('count'))).toBe('50');
    });

    test('when incr meets a value that is not an integer, then it rejects as a bug, not as unavailable', async () => {
      await store.set(k('text'), 'abc');
      await expectGatewayError(store.incr(k('text')), 'INTERNAL_SERVER_ERROR');
      expect(await store.get(k('text'))).toBe('abc');
    });

    test('when a string operation meets a sorted set, then it rejects as a bug, but mget reads null and set overwrites', async () => {
      await store.zAdd(k('z'), 1, 'm');
      await expectGatewayError(store.get(k('z')), 'INTERNAL_SERVER_ERROR');
      await expectGatewayError(store.getDel(k('z')), 'INTERNAL_SERVER_ERROR');
      await expectGatewayError(store.compareAndSet(k('z'), null, 'v'), 'INTERNAL_SERVER_ERROR');
      expect(await store.mget([k('z')])).toEqual([null]);
      expect(await store.zCard(k('z'))).toBe(1);
      expect(await store.set(k('z'), 'now a string')).toBe(true);
      expect(await store.get(k('z'))).toBe('now a string');
      await store.set(k('s'), 'v');
      await expectGatewayError(store.zAdd(k('s'), 1, 'm'), 'INTERNAL_SERVER_ERROR');
    });

    test('when members are added, then zRangeByScore orders them by score then member and honours bounds and limit', async () => {
      await store.zAdd(k('z'), 2, 'b');
      await store.zAdd(k('z'), 1.5, 'z');
      await store.zAdd(k('z'), 2, 'a');
      await store.zAdd(k('z'), -3.25, 'neg');
      await store.zAdd(k('z'), 10, 'late');
      expect(await store.zRangeByScore(k('z'), -Infinity, Infinity)).toEqual([
        { member: 'neg', score: -3.25 },
        { member: 'z', score: 1.5 },
        { member: 'a', score: 2 },
        { member: 'b', score: 2 },
        { member: 'late', score: 10 },
      ]);
      expect(await store.zRangeByScore(k('z'), 1.5, 2)).toEqual([
        { member: 'z', score: 1.5 },
        { member: 'a', score: 2 },
        { member: 'b', score: 2 },
      ]);
      expect(await store.zRangeByScore(k('z'), 0, 100, 2)).toEqual([
        { member: 'z', score: 1.5 },
        { member: 'a', score: 2 },
      ]);
      expect(await store.zRangeByScore(k('z'), 0, 100, 0)).toEqual([]);
      expect(await store.zRangeByScore(k('z'), 11, 20)).toEqual([]);
      expect(await store.zRangeByScore(k('missing'), 0, 100)).toEqual([]);
    });

    test('when a member is added again, then its score moves and zScore and zCard follow', async () => {
      const dueAt = 1_767_225_600_123.5;
      await store.zAdd(k('z'), 1, 'job');
      await store.zAdd(k('z'), dueAt, 'job');
      await store.zAdd(k('z'), Infinity, 'never');
      expect(await store.zScore(k('z'), 'job')).toBe(dueAt);
      expect(await store.zScore(k('z'), 'never')).toBe(Infinity);
      expect(await store.zScore(k('z'), 'missing')).toBeNull();
      expect(await store.zScore(k('missing'), 'job')).toBeNull();
      expect(await store.zCard(k('z'))).toBe(2);
      expect(await store.zCard(k('missing'))).toBe(0);
    });

    test('when the last member is removed, then zRem reports it and the sorted set is gone', async () => {
      await store.zAdd(k('z'), 1, 'job');
      expect(await store.zRem(k('z'), 'other')).toBe(false);
      expect(await store.zRem(k('z'), 'job')).toBe(true);
      expect(await store.zRem(k('z'), 'job')).toBe(false);
      expect(await store.zCard(k('z'))).toBe(0);
      expect(await store.set(k('z'), 'now a string', { onlyIfAbsent: true })).toBe(true);
    });

    test('when 20 workers claim one due member with zRem at once, then exactly one wins', async () => {
      await store.zAdd(k('queue'), 1, 'job-1');
      const results = await Promise.all(Array.from({ length: 20 }, () => store.zRem(k('queue'), 'job-1')));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    test('when the store is closed and opened again, then every value, TTL and sorted set is still there', async () => {
      await store.set(k('plain'), 'kept');
      await store.set(k('ttl'), 'kept too', { ttlMs: 60_000 });
      await store.set(k('gone'), 'expires', { ttlMs: 1 });
      await store.zAdd(k('z'), 5, 'five');
      await store.zAdd(k('z'), -Infinity, 'first');
      await store.close();
      store = await makeStore();
      // Past the 1 ms TTL for sure: a Redis reconnect can take less than that (one CI run read 'expires').
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await store.mget([k('plain'), k('ttl'), k('gone')])).toEqual(['kept', 'kept too', null]);
      expect(await store.ttlMs(k('ttl'))).toBeGreaterThan(50_000);
      expect(await store.zRangeByScore(k('z'), -Infinity, Infinity)).toEqual([
        { member: 'first', score: -Infinity },
        { member: 'five', score: 5 },
      ]);
    });

    test('when the store answers, then ping resolves; when closed, then calls reject with STORE_UNAVAILABLE', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expectGatewayError(store.ping(), 'STORE_UNAVAILABLE');
      await expectGatewayError(store.get(k('a')), 'STORE_UNAVAILABLE');
      await expectGatewayError(store.set(k('a'), 'v'), 'STORE_UNAVAILABLE');
      await store.close();
    });

    test('when messages are published on a channel, then each of its subscribers hears each once, and other channels hear nothing', async () => {
      const first: string[] = [];
      const second: string[] = [];
      const other: string[] = [];
      await store.subscribe(k('chan'), (message) => first.push(message));
      await store.subscribe(k('chan'), (message) => second.push(message));
      await store.subscribe(k('other'), (message) => other.push(message));
      const sent = Array.from({ length: 20 }, (_, i) => `message ${i} é ✓`);
      for (const message of sent) await store.publish(k('chan'), message);
      await waitFor(() => first.length === sent.length && second.length === sent.length, 'every message to both subscribers', 5000);
      // No order is promised: on Cluster each PUBLISH may enter through another node.
      expect([...first].sort()).toEqual([...sent].sort());
      expect([...second].sort()).toEqual([...sent].sort());
      // A message on the other channel, published after, arrives after: nothing of 'chan' reached it.
      await store.publish(k('other'), 'for other');
      await waitFor(() => other.length === 1, 'the other channel message', 5000);
      expect(other).toEqual(['for other']);
    });

    test('when a message is published, then no handler runs inside publish, and a throwing handler does not stop the others', async () => {
      let publishing = false;
      const heard: string[] = [];
      await store.subscribe(k('chan'), () => {
        if (publishing) heard.push('inside publish');
        throw new Error('a subscriber bug');
      });
      await store.subscribe(k('chan'), (message) => heard.push(message));
      publishing = true;
      const sent = store.publish(k('chan'), 'one');
      publishing = false;
      await sent;
      await waitFor(() => heard.length > 0, 'the second subscriber', 5000);
      expect(heard).toEqual(['one']);
    });

    test('when a subscription is ended, then it hears nothing more while the others still do', async () => {
      const ended: string[] = [];
      const kept: string[] = [];
      const unsubscribe = await store.subscribe(k('chan'), (message) => ended.push(message));
      const unsubscribeKept = await store.subscribe(k('chan'), (message) => kept.push(message));
      await store.publish(k('chan'), 'before');
      await waitFor(() => ended.length === 1 && kept.length === 1, 'the first message', 5000);
      await unsubscribe();
      await unsubscribe(); // twice is harmless
      await store.publish(k('chan'), 'after');
      await waitFor(() => kept.length === 2, 'the second message to the kept subscriber', 5000);
      expect(ended).toEqual(['before']);
      expect(kept).toEqual(['before', 'after']);
      // The last subscription ends the channel: publishing to nobody still resolves.
      await unsubscribeKept();
      await expect(store.publish(k('chan'), 'to nobody')).resolves.toBeUndefined();
      await store.publish(k('nobody-ever'), 'x');
    });

    test('when the store is closed, then publish and subscribe reject with STORE_UNAVAILABLE', async () => {
      await store.close();
      await expectGatewayError(store.publish(k('chan'), 'x'), 'STORE_UNAVAILABLE');
      await expectGatewayError(store.subscribe(k('chan'), () => undefined), 'STORE_UNAVAILABLE');
    });

    test('when a TTL is not a positive number, then the call rejects as a bug and changes nothing', async () => {
      await expectGatewayError(store.set(k('a'), 'v', { ttlMs: 0 }), 'INTERNAL_SERVER_ERROR');
      await expectGatewayError(store.compareAndSet(k('a'), null, 'v', { ttlMs: -5 }), 'INTERNAL_SERVER_ERROR');
      expect(await store.get(k('a'))).toBeNull();
    });
  });
}
