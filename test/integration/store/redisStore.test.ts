import { Redis } from 'ioredis';
import { createRedisStore } from '../../../src/store/redisStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';
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
