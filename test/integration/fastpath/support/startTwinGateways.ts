import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type GatewayApp } from '../../../../src/app';
import { systemClock, type Deps } from '../../../../src/core/deps';
import { createSecretBox } from '../../../../src/crypto/secretBox';
import { createSandbox } from '../../../../src/sandbox/sandbox';
import { createRedisStore } from '../../../../src/store/redisStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../../support/redisUrl';
import { jobberSnapshot, type TestGateway } from '../../../support/testGateway';

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
export async function startTwinGateways(): Promise<TwinGateways> {
  const sandbox = await createSandbox();
  const store = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('fastpath') });
  const keys = [randomBytes(32)];
  const adminKey = randomBytes(24).toString('base64url');
  const started: { server: Server; app: GatewayApp }[] = [];

  async function start(fastPath: boolean): Promise<TestGateway> {
    const logs: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
    const deps: Deps = { store, fetch: globalThis.fetch, clock: systemClock, logger };
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const app = await createApp({
      deps,
      secretBox: createSecretBox({ keys }),
      jobber: jobberSnapshot(),
      fastPath,
      config: {
        publicUrl: url,
        jobberBaseUrl: sandbox.url,
        jobberApiVersion: undefined,
        adminApiKey: adminKey,
        jobberTimeoutMs: 5000,
        tokenRefreshMarginMs: 300_000,
        tokenKeeperIdleMs: 24 * 3600 * 1000,
        throttleMaxWaitMs: 2000,
      },
    });
    server.on('request', app.handler);
    started.push({ server, app });
    return { url, app, sandbox, store, adminKey, logs, close: async () => undefined };
  }

  const fast = await start(true);
  const stitched = await start(false);
  return {
    fast,
    stitched,
    async close() {
      for (const { server, app } of started) {
        await app.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
      await store.close();
      await sandbox.close();
    },
  };
}
