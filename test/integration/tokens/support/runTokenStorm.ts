import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { InstallationRef } from '../../../../src/core/installationRef';
import { createSecretBox } from '../../../../src/crypto/secretBox';
import { createSandbox, type Sandbox } from '../../../../src/sandbox/sandbox';
import { createRedisStore } from '../../../../src/store/redisStore';
import type { Store } from '../../../../src/store/store';
import { parseTokenExpiry } from '../../../../src/tokens/parseTokenExpiry';
import { createTokenStore, type TokenStore } from '../../../../src/tokens/tokenStore';
import { testRedisUrl, uniqueKeyPrefix } from '../../../support/redisUrl';
import type { StormWorkerConfig, StormWorkerReport } from './stormWorker';

const WORKER_PATH = resolve(__dirname, 'stormWorker.ts');
const REPO_ROOT = resolve(__dirname, '../../../..');
export const STORM_APP = { clientId: 'storm-client', clientSecret: 'storm-secret', redirectUri: 'http://127.0.0.1/connector/callback' };

/** A sandbox with installed accounts, their tokens in Redis, and a way to start worker processes on them. */
export interface StormStage {
  sandbox: Sandbox;
  store: Store;
  tokenStore: TokenStore;
  refs: InstallationRef[];
  /** When the accounts' first tokens were issued (ms). */
  installedAt: number;
  keyPrefix: string;
  startWorker(overrides: Partial<StormWorkerConfig>): RunningWorker;
  close(): Promise<void>;
}

export interface RunningWorker {
  child: ChildProcess;
  /** Resolves with the report, or null if the process died without one (e.g. SIGKILL). */
  done: Promise<StormWorkerReport | null>;
}

export async function setUpStormStage(options: { accounts: number; tokenLifetimeSeconds: number }): Promise<StormStage> {
  const sandbox = await createSandbox({
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    // The storm is about tokens: Jobber's request and cost limits would only add noise here.
    requestLimit: { max: 1e9, windowMs: 300_000 },
    bucket: { maximumAvailable: 1e9, restoreRate: 1e9 },
    apps: [STORM_APP],
  });
  const keyPrefix = uniqueKeyPrefix('storm');
  const store = createRedisStore({ url: testRedisUrl(), keyPrefix });
  const encryptionKey = randomBytes(32);
  const tokenStore = createTokenStore({ store, secretBox: createSecretBox({ keys: [encryptionKey] }), clock: { now: () => Date.now() } });
  const refs: InstallationRef[] = [];
  const installedAt = Date.now();
  for (let i = 0; i < options.accounts; i++) {
    const account = sandbox.control.createAccount({ name: `Storm account ${i}` });
    const ref = { partnerId: 'storm-partner', accountId: `acct-${i}` };
    const issued = sandbox.control.issueTokensDirect({ clientId: STORM_APP.clientId, accountId: account.id });
    await tokenStore.replace(ref, {
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      accessTokenExpiresAt: parseTokenExpiry({ accessToken: issued.access_token }, Date.now()),
    });
    refs.push(ref);
  }

  // Warm the sandbox's GraphQL path up once, so the first storm requests do not pay for it.
  const warm = sandbox.control.issueTokensDirect({ clientId: STORM_APP.clientId, accountId: sandbox.control.createAccount({ name: 'warm-up' }).id });
  await fetch(`${sandbox.url}/api/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${warm.access_token}`, 'content-type': 'application/json', 'x-jobber-graphql-version': '2025-04-16' },
    body: JSON.stringify({ query: '{ account { id name } }' }),
  }).then((response) => response.text());
  sandbox.control.resetCounters();

  const children = new Set<ChildProcess>();
  const startWorker = (overrides: Partial<StormWorkerConfig>): RunningWorker => {
    const config: StormWorkerConfig = {
      redisUrl: testRedisUrl(),
      keyPrefix,
      sandboxUrl: sandbox.url,
      encryptionKeys: [encryptionKey.toString('base64')],
      clientId: STORM_APP.clientId,
      clientSecret: STORM_APP.clientSecret,
      refs,
      durationMs: 5000,
      lanes: 25,
      tokenTimeoutMs: 5000,
      lockTtlMs: 6000,
      backoffBaseMs: 100,
      apiVersion: '2025-04-16',
      ...overrides,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_PATH, JSON.stringify(config)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
    const done = new Promise<StormWorkerReport | null>((resolveDone) => {
      child.on('exit', (code, signal) => {
        children.delete(child);
        if (code !== 0 && signal === null && stderr) process.stderr.write(`storm worker ${child.pid} exited ${code}: ${stderr}\n`);
        const line = stdout.trim().split('\n').pop();
        resolveDone(line ? (JSON.parse(line) as StormWorkerReport) : null);
      });
    });
    return { child, done };
  };

  return {
    sandbox,
    store,
    tokenStore,
    refs,
    installedAt,
    keyPrefix,
    startWorker,
    async close() {
      for (const child of children) child.kill('SIGKILL');
      await store.close();
      await sandbox.close();
    },
  };
}

export interface StormSummary {
  elapsedMs: number;
  requests: number;
  succeeded: number;
  failed: number;
  failures: Record<string, number>;
  failureOffsetsMs: number[];
  retriedAfter401: number;
  latencyMeanMs: number;
  latencyMaxMs: number;
  /** Refresher warnings across workers, by message. */
  refresherEvents: Record<string, number>;
  refreshReuses: number;
  sandboxRefreshes: number;
  refreshesPerAccount: number[];
  /** The bound each account must stay under: token expiries (due points) in the window, plus one. */
  maxRefreshesPerAccount: number;
}

/**
 * Runs `workers` processes for `durationMs` on an installed stage and sums what they and the sandbox saw.
 * Refreshes per account come from the stored record's version (each save adds one).
 */
export async function runStorm(stage: StormStage, options: { workers: number; tokenLifetimeSeconds: number } & Partial<StormWorkerConfig>): Promise<StormSummary> {
  const started = Date.now();
  const { workers, tokenLifetimeSeconds, ...overrides } = options;
  // Processes start their loops together, after every one of them has compiled and connected.
  const startAt = Date.now() + 3000;
  const reports = await Promise.all(Array.from({ length: workers }, () => stage.startWorker({ startAt, ...overrides }).done));
  if (process.env.STORM_DEBUG) process.stdout.write(`storm worker reports: ${JSON.stringify(reports)}\n`);
  const elapsedMs = Date.now() - started;
  const sinceInstallMs = Date.now() - stage.installedAt;
  const summary: StormSummary = {
    elapsedMs,
    requests: 0,
    succeeded: 0,
    failed: 0,
    failures: {},
    failureOffsetsMs: [],
    retriedAfter401: 0,
    latencyMeanMs: 0,
    latencyMaxMs: 0,
    refresherEvents: {},
    refreshReuses: stage.sandbox.control.counters().refreshReuses,
    sandboxRefreshes: stage.sandbox.control.counters().refreshes,
    refreshesPerAccount: [],
    // The sandbox's exp is whole seconds (iat floored), so a token can live up to 1 s less than nominal,
    // and it is due at 90% of that: at most one refresh per due point, plus one.
    maxRefreshesPerAccount: Math.floor(sinceInstallMs / (0.9 * (tokenLifetimeSeconds - 1) * 1000)) + 1,
  };
  for (const report of reports) {
    if (!report) throw new Error('a storm worker died without a report');
    summary.requests += report.requests;
    summary.succeeded += report.succeeded;
    summary.failed += report.failed;
    summary.retriedAfter401 += report.retriedAfter401;
    summary.failureOffsetsMs.push(...report.failureOffsetsMs);
    summary.latencyMeanMs += report.latencyTotalMs;
    summary.latencyMaxMs = Math.max(summary.latencyMaxMs, report.latencyMaxMs);
    for (const [reason, count] of Object.entries(report.failures)) summary.failures[reason] = (summary.failures[reason] ?? 0) + count;
    for (const [event, count] of Object.entries(report.refresherEvents)) summary.refresherEvents[event] = (summary.refresherEvents[event] ?? 0) + count;
  }
  summary.latencyMeanMs = Math.round(summary.latencyMeanMs / Math.max(1, summary.requests));
  for (const ref of stage.refs) summary.refreshesPerAccount.push(((await stage.tokenStore.read(ref))?.version ?? 0) - 1);
  return summary;
}
