/** Bench child: the gateway over the embedded in-memory store (or Redis when REDIS_URL is set). */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Redis from 'ioredis';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../src/app';
import { systemClock, type Deps } from '../src/core/deps';
import { createSecretBox } from '../src/crypto/secretBox';
import { createTracing } from '../src/observability/tracing';
import { createEmbeddedStore } from '../src/store/embeddedStore';
import { createRedisStore } from '../src/store/redisStore';
import { createTokenStore } from '../src/tokens/tokenStore';
import { serveParent } from './childProcess';

export interface GatewayReady {
  url: string;
  store: string;
  adminKey: string;
  /** ms from process start (before tsx compiles anything) to listening with the app built. */
  readyMs: number;
  /** ms spent in createApp: Jobber snapshot, stitching, Apollo start. */
  createAppMs: number;
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL;
  const keyPrefix = `bench:${randomBytes(4).toString('hex')}:`;
  const store = redisUrl
    ? createRedisStore({ url: redisUrl, keyPrefix })
    : await createEmbeddedStore({ dataDir: null });
  const secretBox = createSecretBox({ keys: [randomBytes(32)] });
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const deps: Deps = { store, fetch: globalThis.fetch, clock: systemClock, logger };
  const adminKey = randomBytes(24).toString('base64url');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // BENCH_OTLP_ENDPOINT: this gateway traces every request to that collector (the bench's traced phase).
  const otlpEndpoint = process.env.BENCH_OTLP_ENDPOINT;
  const tracing = otlpEndpoint ? createTracing({ endpoint: otlpEndpoint, serviceName: 'jobber-gateway-bench' }) : undefined;
  const started = performance.now();
  const app = await createApp({
    deps,
    secretBox,
    ...(tracing ? { tracing } : {}),
    config: {
      publicUrl: url,
      jobberBaseUrl: process.env.JOBBER_BASE_URL ?? '',
      jobberApiVersion: undefined,
      adminApiKey: adminKey,
      jobberTimeoutMs: 15_000,
      tokenRefreshMarginMs: 300_000,
      tokenKeeperIdleMs: 24 * 3600 * 1000,
      throttleMaxWaitMs: 5000,
      // One partner drives the whole load, faster than the default budget (500 a second) allows: the
      // budget stays on, so its check is measured, but high enough never to refuse.
      partnerBudget: { perSecond: 1e9, burst: 1e9 },
    },
  });
  server.on('request', app.handler);
  const createAppMs = performance.now() - started;
  const tokenStore = createTokenStore({ store, secretBox, clock: systemClock });
  const ready: GatewayReady = { url, store: redisUrl ? 'redis' : 'embedded (in memory)', adminKey, readyMs: performance.now(), createAppMs };
  serveParent(
    {
      /** With `{ gc: true }` and node --expose-gc: after a full collection (to tell garbage from leaks). */
      stats: (args?: { gc?: boolean }) => {
        if (args?.gc) (globalThis as { gc?: () => void }).gc?.();
        const memory = process.memoryUsage();
        return { cpu: process.cpuUsage(), rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external };
      },
      /** Stores tokens the sandbox issued directly: what the install callback would have written. */
      installTokens: async (input: { partnerId: string; accounts: { accountId: string; accessToken: string; refreshToken: string }[] }) => {
        const expiresAt = Date.now() + 3600 * 1000;
        for (const account of input.accounts) {
          await tokenStore.replace(
            { partnerId: input.partnerId, accountId: account.accountId },
            { accessToken: account.accessToken, refreshToken: account.refreshToken, accessTokenExpiresAt: expiresAt },
          );
        }
        return input.accounts.length;
      },
      /** Deletes this run's keys from the Redis it was given (nothing to do for the in-memory store). */
      cleanUp: async () => {
        await app.close();
        await tracing?.shutdown();
        await store.close();
        if (!redisUrl) return 0;
        const redis = new Redis(redisUrl);
        let deleted = 0;
        try {
          for await (const keys of redis.scanStream({ match: `${keyPrefix}*`, count: 500 })) {
            if ((keys as string[]).length > 0) deleted += await redis.del(...(keys as string[]));
          }
        } finally {
          redis.disconnect();
        }
        return deleted;
      },
    },
    ready as unknown as Record<string, unknown>,
  );
}

void main();
