/**
 * One "gateway process" for the token storm: a Redis store, the real refresher, and `lanes` concurrent
 * loops that each get an access token and make a real GraphQL call to the sandbox with it, retrying once
 * with `rejected` after a 401 (DESIGN.md "Forwarding"). Prints one JSON line of counts on stdout and exits.
 *
 * Run: `node --import tsx stormWorker.ts '<StormWorkerConfig JSON>'`. To swap in real gateway processes
 * later, replace this with `src/main.ts` plus an HTTP load loop that produces the same StormWorkerReport.
 */
import pino from 'pino';
import { systemClock, type Deps } from '../../../../src/core/deps';
import type { InstallationRef } from '../../../../src/core/installationRef';
import { createSecretBox, parseEncryptionKey } from '../../../../src/crypto/secretBox';
import { createRedisStore } from '../../../../src/store/redisStore';
import { createJobberTokenClient } from '../../../../src/tokens/jobberTokenClient';
import { createTokenRefresher } from '../../../../src/tokens/tokenRefresher';
import { createTokenStore } from '../../../../src/tokens/tokenStore';

export interface StormWorkerConfig {
  redisUrl: string;
  keyPrefix: string;
  sandboxUrl: string;
  /** base64 keys, primary first. */
  encryptionKeys: string[];
  clientId: string;
  clientSecret: string;
  refs: InstallationRef[];
  durationMs: number;
  /** Epoch ms at which to start the loops, so all processes start together after their startup (JIT, tsx). */
  startAt?: number;
  lanes: number;
  tokenTimeoutMs: number;
  lockTtlMs: number;
  backoffBaseMs: number;
  apiVersion: string;
  logLevel?: string;
}

export interface StormWorkerReport {
  pid: number;
  requests: number;
  succeeded: number;
  failed: number;
  retriedAfter401: number;
  /** Failure reasons and how often each happened. */
  failures: Record<string, number>;
  reauthorizations: number;
  /** Refresher warnings/errors by message (lock lost, claim busy, save failed...). */
  refresherEvents: Record<string, number>;
  /** When the first failures happened, ms after the loops started (to tell startup from steady state). */
  failureOffsetsMs: number[];
  /** Wall time of whole requests (token + GraphQL call + retry), ms. */
  latencyTotalMs: number;
  latencyMaxMs: number;
  /** When the slowest request started, ms after the loops started. */
  latencyMaxStartedAtMs: number;
}

const ACCOUNT_QUERY = JSON.stringify({ query: '{ account { id name } }' });

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as StormWorkerConfig;
  const store = createRedisStore({ url: config.redisUrl, keyPrefix: config.keyPrefix, commandTimeoutMs: 5000 });
  const events: Record<string, number> = {};
  const logger = pino(
    {
      level: config.logLevel ?? 'warn',
      hooks: {
        logMethod(args, method) {
          const message = args.find((arg): arg is string => typeof arg === 'string') ?? 'unknown';
          events[message] = (events[message] ?? 0) + 1;
          method.apply(this, args);
        },
      },
    },
    pino.destination(2),
  );
  const deps: Deps = { store, fetch, clock: systemClock, logger };
  const tokenStore = createTokenStore({ store, secretBox: createSecretBox({ keys: config.encryptionKeys.map(parseEncryptionKey) }), clock: deps.clock });
  const report: StormWorkerReport = { pid: process.pid, requests: 0, succeeded: 0, failed: 0, retriedAfter401: 0, failures: {}, reauthorizations: 0, refresherEvents: events, failureOffsetsMs: [], latencyTotalMs: 0, latencyMaxMs: 0, latencyMaxStartedAtMs: 0 };
  const refresher = createTokenRefresher({
    deps,
    tokenStore,
    tokenClient: createJobberTokenClient({ fetch, baseUrl: config.sandboxUrl, timeoutMs: config.tokenTimeoutMs, clock: deps.clock }),
    marginMs: 300_000,
    tokenTimeoutMs: config.tokenTimeoutMs,
    lockTtlMs: config.lockTtlMs,
    backoffBaseMs: config.backoffBaseMs,
    getCredentials: async () => ({ clientId: config.clientId, clientSecret: config.clientSecret }),
    onReauthorizationRequired: async () => {
      report.reauthorizations += 1;
    },
  });

  let loopsStartedAt = Date.now();
  const fail = (reason: string): void => {
    if (report.failureOffsetsMs.length < 20) report.failureOffsetsMs.push(Date.now() - loopsStartedAt);
    report.failed += 1;
    report.failures[reason] = (report.failures[reason] ?? 0) + 1;
  };
  const callJobber = (accessToken: string): Promise<Response> =>
    fetch(`${config.sandboxUrl}/api/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', 'x-jobber-graphql-version': config.apiVersion },
      body: ACCOUNT_QUERY,
      signal: AbortSignal.timeout(10_000),
    });

  async function oneRequest(ref: InstallationRef): Promise<void> {
    report.requests += 1;
    const first = await refresher.getAccessToken(ref);
    if (!first.ok) return fail(`token:${first.reason}`);
    let response = await callJobber(first.accessToken);
    let used = first;
    if (response.status === 401) {
      await response.body?.cancel();
      report.retriedAfter401 += 1;
      const second = await refresher.getAccessToken(ref, { rejected: first.accessToken });
      if (!second.ok) return fail(`token-after-401:${second.reason}`);
      used = second;
      response = await callJobber(second.accessToken);
    }
    const body = (await response.json().catch(() => ({}))) as { data?: { account?: { id?: string } }; errors?: unknown[] };
    if (response.status === 401 && Date.now() >= used.expiresAt) {
      // The token was valid when handed out but the call outlived it (harness latency), not a refresh fault.
      return fail('graphql:401:expired-in-flight');
    }
    if (response.status !== 200 || body.errors?.length || !body.data?.account?.id) return fail(`graphql:${response.status}`);
    report.succeeded += 1;
  }

  await store.ping();
  if (config.startAt !== undefined && config.startAt > Date.now()) await new Promise((r) => setTimeout(r, (config.startAt as number) - Date.now()));
  loopsStartedAt = Date.now();
  const stopAt = loopsStartedAt + config.durationMs;
  const lane = async (offset: number): Promise<void> => {
    for (let i = offset; Date.now() < stopAt; i++) {
      const ref = config.refs[i % config.refs.length] as InstallationRef;
      const started = Date.now();
      await oneRequest(ref).catch((error: unknown) => fail(`exception:${error instanceof Error ? error.name : 'unknown'}`));
      const took = Date.now() - started;
      report.latencyTotalMs += took;
      if (took > report.latencyMaxMs) {
        report.latencyMaxMs = took;
        report.latencyMaxStartedAtMs = started - loopsStartedAt;
      }
    }
  };
  await Promise.all(Array.from({ length: config.lanes }, (_, i) => lane(i * 7 + process.pid)));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`storm worker crashed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
