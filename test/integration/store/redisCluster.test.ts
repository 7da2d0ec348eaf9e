import { Cluster } from 'ioredis';
import { isGatewayError } from '../../../src/errors/gatewayError';
import { createRedisStore } from '../../../src/store/redisStore';
import { uniqueKeyPrefix } from '../../support/redisUrl';
import { startRedisCluster, type RedisClusterProcess } from './redisClusterProcess';
import { hasRedisTools } from './redisServerProcess';
import { describeStoreContract } from './storeContract';
import { waitFor } from '../../support/waitFor';

if (!hasRedisTools()) {
  test.skip('Redis Cluster tests need redis-server and redis-cli on the PATH (apt-get install redis-server)', () => undefined);
} else {
  describe('redis cluster', () => {
    let cluster: RedisClusterProcess | undefined;
    const keyPrefix = uniqueKeyPrefix('cluster');
    const nodes = (): string[] => {
      if (!cluster) throw new Error('the cluster did not start');
      return cluster.nodes;
    };

    beforeAll(async () => {
      cluster = await startRedisCluster();
    }, 60_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    // The cluster is thrown away afterwards, so the suite needs no key cleanup.
    describeStoreContract('redis cluster', async () => createRedisStore({ clusterNodes: nodes(), keyPrefix }), async () => undefined);

    test('when keys are written through the store, then they land on every master', async () => {
      const store = createRedisStore({ clusterNodes: nodes(), keyPrefix });
      const admin = new Cluster(nodes().map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })));
      try {
        await admin.ping(); // waits for the slot map, so nodes('master') is complete
        await Promise.all(Array.from({ length: 64 }, (_, i) => store.set(`spread-${i}`, 'v')));
        const perMaster = await Promise.all(admin.nodes('master').map((node) => node.dbsize()));
        expect(perMaster).toHaveLength(3);
        for (const count of perMaster) expect(count).toBeGreaterThan(0);
      } finally {
        await store.close();
        admin.disconnect();
      }
    });

    test('when a message is published on any master, then a store subscribed through the cluster hears it', async () => {
      const store = createRedisStore({ clusterNodes: nodes(), keyPrefix });
      const admin = new Cluster(nodes().map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) })));
      try {
        const heard: string[] = [];
        await store.subscribe('invalidate', (message) => heard.push(message));
        await admin.ping();
        const masters = admin.nodes('master');
        expect(masters).toHaveLength(3);
        // Plain PUBLISH is broadcast over the cluster bus: whichever node the subscriber picked hears all three.
        for (const [i, master] of masters.entries()) await master.publish(`${keyPrefix}invalidate`, `from master ${i}`);
        await waitFor(() => heard.length === 3, 'a message from every master', 5000);
        expect(heard.sort()).toEqual(['from master 0', 'from master 1', 'from master 2']);
        // And the store's own publish reaches a second store's subscriber.
        const other = createRedisStore({ clusterNodes: nodes(), keyPrefix });
        try {
          const heardByOther: string[] = [];
          await other.subscribe('invalidate', (message) => heardByOther.push(message));
          await store.publish('invalidate', 'store to store');
          await waitFor(() => heardByOther.includes('store to store'), 'the store-to-store message', 5000);
        } finally {
          await other.close();
        }
      } finally {
        await store.close();
        admin.disconnect();
      }
    });

    // Last: it breaks the cluster.
    test('when one master dies, then its keys reject with STORE_UNAVAILABLE within the deadline and the others still work', async () => {
      const store = createRedisStore({ clusterNodes: nodes(), keyPrefix });
      try {
        const keys = Array.from({ length: 30 }, (_, i) => `survivor-${i}`);
        await Promise.all(keys.map((key) => store.set(key, 'v')));
        await cluster?.killNode(0);
        const started = Date.now();
        const outcomes = await Promise.all(
          keys.map((key) =>
            store.get(key).then(
              (value) => value,
              (error: unknown) => (isGatewayError(error) ? error.code : String(error)),
            ),
          ),
        );
        expect(Date.now() - started).toBeLessThan(2500);
        expect(new Set(outcomes)).toEqual(new Set(['v', 'STORE_UNAVAILABLE']));
      } finally {
        await store.close();
      }
    });
  });
}
