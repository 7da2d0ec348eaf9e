import { randomBytes } from 'node:crypto';
import { createSandbox } from '../../../../src/sandbox/sandbox';
import { createRedisStore } from '../../../../src/store/redisStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../../support/redisUrl';
import type { AppConfig } from '../../../../src/app';
import { startTestGateway, type TestGateway } from '../../../support/testGateway';

export interface TwinGateways {
  /** The gateway with the fast path (installs go through this one). */
  fast: TestGateway;
  /** The same gateway with `fastPath: false`: every operation is stitched. */
  stitched: TestGateway;
  close(): Promise<void>;
}

/**
 * Two gateways over one store, one encryption key and one sandbox, so both see the same partners,
 * installations and tokens; they differ only in the fast path.
 */
export async function startTwinGateways(config: Partial<AppConfig> = {}): Promise<TwinGateways> {
  const sandbox = await createSandbox();
  const store = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('fastpath') });
  const keys = [randomBytes(32)];
  const adminKey = randomBytes(24).toString('base64url');
  const start = (fastPath: boolean) => startTestGateway({ sandbox, store, encryptionKeys: keys, adminKey, fastPath, config });
  const fast = await start(true);
  const stitched = await start(false);
  return {
    fast,
    stitched,
    async close() {
      await fast.close();
      await stitched.close();
      await store.close();
      await sandbox.close();
    },
  };
}
