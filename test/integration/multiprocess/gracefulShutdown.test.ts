import { randomBytes } from 'node:crypto';
import { createSandbox, type Sandbox } from '../../../src/sandbox/sandbox';
import { findFreePort, startGatewayProcess, type GatewayProcess } from '../../support/gatewayProcess';
import { createTestPartner, installAccount, postGraphql, type TestGateway } from '../../support/testGateway';
import { waitFor } from '../../support/waitFor';
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

describe('a gateway process draining on SIGTERM', () => {
  let redis: RedisServerProcess | undefined;
  let sandbox: Sandbox | undefined;
  let gateway: GatewayProcess | undefined;

  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await sandbox?.close();
    await redis?.kill();
  }, 30_000);

  test('when SIGTERM arrives while a slow Jobber call is in flight, then /readyz answers 503 at once, the call still finishes 200, and the process exits 0', async () => {
    redis = await startRedisServer();
    sandbox = await createSandbox();
    const port = await findFreePort();
    const adminKey = randomBytes(24).toString('base64url');
    gateway = await startGatewayProcess({
      env: {
        NODE_ENV: 'production',
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        REDIS_URL: redis.url,
        GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        JOBBER_BASE_URL: sandbox.url,
        ADMIN_API_KEY: adminKey,
      },
    });
    // The helpers only need the gateway's URL, admin key and sandbox.
    const handle = { url: gateway.url, adminKey, sandbox } as unknown as TestGateway;
    const partner = await createTestPartner(handle);
    expect((await installAccount(handle, partner, 'slow')).callbackStatus).toBe(200);
    expect((await postGraphql(gateway.url, { query: '{ account { id } }' }, partner.headers('slow'))).status).toBe(200);

    sandbox.control.setGraphqlLatency(3000);
    const callsBefore = sandbox.control.counters().graphqlCalls;
    const slow = postGraphql(gateway.url, { query: '{ account { name } }' }, partner.headers('slow'));
    await waitFor(() => sandbox!.control.counters().graphqlCalls > callsBefore, 'the slow call at Jobber');

    const exited = gateway.kill('SIGTERM');
    const ready = await waitFor(async () => {
      const response = await fetch(`${gateway!.url}/readyz`).catch(() => undefined);
      return response?.status === 503 ? response : undefined;
    }, '/readyz 503');
    expect(await ready.json()).toMatchObject({ status: 'draining' });
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body.data?.account?.name).toBe('Jobber slow');
    expect(await exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
