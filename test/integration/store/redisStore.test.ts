import { Redis } from 'ioredis';
import { createRedisStore } from '../../../src/store/redisStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
import { waitFor } from '../../support/waitFor';
import { deleteKeysWithPrefix } from './deleteKeysWithPrefix';
import { describeStoreContract } from './storeContract';

const keyPrefix = uniqueKeyPrefix('store');

describeStoreContract(
  'redis',
  async () => createRedisStore({ url: testRedisUrl(), keyPrefix }),
  async () => {
    const admin = new Redis(testRedisUrl());
    try {
      await deleteKeysWithPrefix(admin, keyPrefix);
    } finally {
      admin.disconnect();
    }
  },
);

describe('redis store keys', () => {
  test('when a key prefix is given, then every key, scripts included, lives under it', async () => {
    const prefix = uniqueKeyPrefix('prefix');
    const store = createRedisStore({ url: testRedisUrl(), keyPrefix: prefix });
    const admin = new Redis(testRedisUrl());
    try {
      await store.set('plain', 'a');
      await store.compareAndSet('cas', null, 'b');
      await store.incr('count', { ttlMs: 60_000 });
      await store.zAdd('{tag}:queue', 1, 'm');
      expect((await admin.keys(`${prefix}*`)).sort()).toEqual([`${prefix}cas`, `${prefix}count`, `${prefix}plain`, `${prefix}{tag}:queue`]);
      await deleteKeysWithPrefix(admin, prefix);
    } finally {
      await store.close();
      admin.disconnect();
    }
  });

  test('when the key prefix holds a brace, then the store is refused (it would steal the hash tag)', () => {
    expect(() => createRedisStore({ url: testRedisUrl(), keyPrefix: 'jg:{x}:' })).toThrow(/must not contain/);
  });
});

describe('redis store pub/sub between stores', () => {
  test('when one store publishes, then a subscriber of another store with the same prefix hears it, and one with another prefix does not', async () => {
    const prefix = uniqueKeyPrefix('pubsub');
    const publisher = createRedisStore({ url: testRedisUrl(), keyPrefix: prefix });
    const sameDeployment = createRedisStore({ url: testRedisUrl(), keyPrefix: prefix });
    const otherDeployment = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('pubsub') });
    const admin = new Redis(testRedisUrl());
    try {
      const heard: string[] = [];
      const heardElsewhere: string[] = [];
      const heardRaw: string[] = [];
      await sameDeployment.subscribe('invalidate', (message) => heard.push(message));
      await otherDeployment.subscribe('invalidate', (message) => heardElsewhere.push(message));
      // What a process would see on the wire: the channel carries the prefix.
      admin.on('message', (channel: string, message: string) => heardRaw.push(`${channel} ${message}`));
      await admin.subscribe(`${prefix}invalidate`);
      await publisher.publish('invalidate', 'one');
      await publisher.publish('invalidate', 'two');
      await waitFor(() => heard.length === 2 && heardRaw.length === 2, 'both messages', 5000);
      // The other prefix's subscriber is on the same Redis: a message of its own arrives, ours never did.
      await otherDeployment.publish('invalidate', 'its own');
      await waitFor(() => heardElsewhere.length === 1, 'the other deployment message', 5000);
      expect(heard).toEqual(['one', 'two']);
      expect(heardRaw).toEqual([`${prefix}invalidate one`, `${prefix}invalidate two`]);
      expect(heardElsewhere).toEqual(['its own']);
    } finally {
      admin.disconnect();
      await Promise.all([publisher.close(), sameDeployment.close(), otherDeployment.close()]);
    }
  });
});
