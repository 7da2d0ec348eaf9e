import type { Config } from '../config/config';
import type { Clock } from '../core/deps';
import { createEmbeddedStore } from '../store/embeddedStore';
import { createRedisStore } from '../store/redisStore';
import type { Store } from '../store/store';

/** The store named by the config: Redis, Redis Cluster, or the embedded store in DATA_DIR. */
export async function createStoreFromConfig(store: Config['store'], clock: Clock): Promise<Store> {
  switch (store.kind) {
    case 'redis':
      return createRedisStore({ url: store.url });
    case 'cluster':
      return createRedisStore({ clusterNodes: store.nodes });
    case 'embedded':
      return createEmbeddedStore({ dataDir: store.dataDir, clock });
  }
}
