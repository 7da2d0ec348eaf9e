import { randomBytes } from 'node:crypto';
import { startGatewayProcess, type GatewayProcess } from '../../support/gatewayProcess';
import { startRedisServer, type RedisServerProcess } from '../store/redisServerProcess';

/**
 * An operator's process manager sends SIGTERM and expects a prompt, clean exit. Run as operators run it:
 * NODE_ENV=production (jest's NODE_ENV=test would hide libraries that install signal handlers of their own).
 */
describe('a gateway process told to stop', () => {
  let redis: RedisServerProcess | undefined;
  let gateway: GatewayProcess | undefined;

  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await redis?.kill();
  }, 30_000);

  test('when it gets SIGTERM, then it exits with code 0 within 5 s', async () => {
    redis = await startRedisServer();
    gateway = await startGatewayProcess({
      env: {
        NODE_ENV: 'production',
        REDIS_URL: redis.url,
        GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        JOBBER_BASE_URL: 'http://127.0.0.1:9',
      },
    });
    const sentAt = Date.now();
    const exit = await gateway.stop(15_000);
    const tookMs = Date.now() - sentAt;
    process.stdout.write(`gateway SIGTERM: ${JSON.stringify({ exit, tookMs })}\n`);
    expect(gateway.output().some((line) => line.includes('SIGTERM received'))).toBe(true);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(5_000);
  }, 120_000);
});
