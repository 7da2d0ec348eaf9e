/**
 * `npm run bench`: the sandbox and the gateway each in a child process (so the gateway's CPU is its
 * own), autocannon in this one. Env: BENCH_SECONDS (default 10) per load phase; REDIS_URL = the gateway
 * uses that Redis instead of the embedded in-memory store; BENCH_GATEWAY_NODE_ARGS: extra node flags for the
 * gateway process (profiling); BENCH_ONLY: measure direct and the phases whose name has this fragment only;
 * BENCH_MEMORY_REQUESTS: requests of the memory check; BENCH_UPSTREAM_LATENCY_MS: latency the sandbox adds. The load phases take turns in 4 slices each (a slow spell of the shared
 * machine hits them all alike); startup is the median of 3 gateway starts. Prints one table, then the
 * memory and startup checks with their targets. Never exits non-zero on a FAIL (the machine is shared and noisy).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { parse, print } from 'graphql';
import { CLIENT_SHAPES, shapePersistedApolloRequest, shapeRequest } from './clientShapes';
import { formatReport, type PhaseRow, type Startup } from './benchReport';
import { compileForBench, type BenchBuild } from './compileForBench';
import { startChild, type BenchChild } from './childProcess';
import type { GatewayReady } from './gatewayWorker';
import { assertAnswers, fastPathCounts, graphql, setUpPartner, type SandboxChild } from './benchSetup';
import { runLoad, runSerialLatency, type LoadTarget, type SerialLatency } from './loadPhases';
import { measureInSlices, rowOf, type BenchPhase } from './measureInSlices';
import { runMemoryCheck } from './runMemoryCheck';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TRACED_PHASE = 'fast path, tracing on';
const COMPARED_PHASE = 'fast path, BENCH_COMPARE_DIR';
const COMPARED_MIX_PHASE = '  four-client mix, BENCH_COMPARE_DIR';
/**
 * The gateway process's environment as a deployment would set it (each can be overridden from the shell):
 * NODE_ENV=production (graphql-js and express skip development checks: about a fifth less CPU per request);
 * MALLOC_ARENA_MAX=2 (glibc otherwise keeps a malloc arena per thread: about 80 MB more RSS, none of it live).
 */
const GATEWAY_ENV = { NODE_ENV: process.env.NODE_ENV ?? 'production', MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
const CONNECTIONS = 32;
/** Load phases take turns in this many slices, one per phase, each round led by another (see run). */
const ROUNDS = 4;
/** Gateway processes started to read startup time (see withChildren). */
const STARTS = 3;
const MEMORY_ACCOUNTS = 1000;
/** Requests of the memory check (BENCH_MEMORY_REQUESTS, default 100000; lower it when profiling). */
const MEMORY_REQUESTS = Number(process.env.BENCH_MEMORY_REQUESTS ?? 100_000);
const VERSION = '2022-03-10';


// Unique variables per request: `$id` names no client (answer null, same cost), `$n` cycles 1..10.
const JOBBER_QUERY = 'query Bench($n: Int!, $id: EncodedId!) { clients(first: $n) { nodes { id name } } client(id: $id) { id } }';
const MIXED_QUERY =
  'query BenchMixed($n: Int!, $id: EncodedId!) { connectorSettings { clientId } clients(first: $n) { nodes { id name } } client(id: $id) { id } }';
// Root `__typename` beside local fields is not split: this one measures the stitching path itself.
const STITCHED_QUERY =
  'query BenchStitched($n: Int!, $id: EncodedId!) { __typename connectorSettings { clientId } clients(first: $n) { nodes { id name } } client(id: $id) { id } }';
const variablesOf = (i: number) => ({ n: 1 + (i % 10), id: `bench-${i}` });
const bodyOf = (query: string) => (i: number) => JSON.stringify({ query, variables: variablesOf(i) });
/** The Jobber query as each client's printer writes it: Apollo Client adds `__typename` to every selection set. */
const PRINTED_QUERY = print(parse(JOBBER_QUERY));
const APOLLO_QUERY =
  'query Bench($n: Int!, $id: EncodedId!) {\n  clients(first: $n) {\n    nodes {\n      id\n      name\n      __typename\n    }\n    __typename\n  }\n  client(id: $id) {\n    id\n    __typename\n  }\n}';
const CLIENT_QUERIES: Record<keyof typeof CLIENT_SHAPES, string> = { apollo: APOLLO_QUERY, urql: PRINTED_QUERY, graphqlRequest: JOBBER_QUERY, graphiql: JOBBER_QUERY };
const CLIENTS = Object.keys(CLIENT_SHAPES) as (keyof typeof CLIENT_SHAPES)[];
/**
 * Upstream latency the sandbox adds to every GraphQL call, in ms (BENCH_UPSTREAM_LATENCY_MS, default 0: the
 * ratios then measure the gateway's CPU; the issue's own measurement used 20).
 */
const UPSTREAM_LATENCY_MS = Number(process.env.BENCH_UPSTREAM_LATENCY_MS ?? 0);

async function main(): Promise<void> {
  log('compiling src/ and bench/ to JavaScript (the children run like npm start, without tsx)');
  const build = compileForBench(resolve(__dirname, '..'));
  try {
    await withChildren(build);
  } finally {
    build.remove();
  }
}

async function withChildren(build: BenchBuild): Promise<void> {
  const sandbox: SandboxChild = await startChild(build.pathOf('bench/sandboxWorker.ts'));
  // BENCH_GATEWAY_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the gateway process.
  // --expose-gc only lets the memory check also read memory after a full collection (leak vs. uncollected garbage).
  const nodeArgs = ['--expose-gc', ...(process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const startGateway = (env: Record<string, string> = {}) =>
    startChild<GatewayReady>(build.pathOf('bench/gatewayWorker.ts'), { JOBBER_BASE_URL: sandbox.ready.url, ...GATEWAY_ENV, ...env }, nodeArgs);
  // Startup is read from STARTS processes (the last one is then measured under load): one start alone
  // says more about the machine's moment than about the gateway.
  const startups: Startup[] = [];
  for (let i = 1; i < STARTS; i++) {
    log(`startup: start ${i} of ${STARTS}`);
    const spawnedAt = performance.now();
    const probe = await startGateway();
    startups.push({ readyMs: probe.ready.readyMs, createAppMs: probe.ready.createAppMs, spawnToReadyMs: performance.now() - spawnedAt });
    await probe.call('cleanUp');
    await probe.stop();
  }
  const spawnedAt = performance.now();
  const gateway = await startGateway();
  startups.push({ readyMs: gateway.ready.readyMs, createAppMs: gateway.ready.createAppMs, spawnToReadyMs: performance.now() - spawnedAt });
  // A second gateway, the same but tracing every request to an OTLP collector: what tracing on costs.
  const traced = await startGateway({ BENCH_OTLP_ENDPOINT: sandbox.ready.otlpUrl });
  // BENCH_COMPARE_DIR=<another checkout with node_modules>: its gateway's fast path is measured in the same
  // slices (an A/B under the same load of a shared machine, where two runs minutes apart are not comparable).
  const compareDir = process.env.BENCH_COMPARE_DIR;
  const compareBuild = compareDir ? compileForBench(resolve(compareDir)) : undefined;
  const compared = compareBuild
    ? await startChild<GatewayReady>(compareBuild.pathOf('bench/gatewayWorker.ts'), { JOBBER_BASE_URL: sandbox.ready.url, ...GATEWAY_ENV }, nodeArgs)
    : undefined;
  try {
    await run(sandbox, gateway, traced, compared, startups);
  } finally {
    for (const child of [gateway, traced, ...(compared ? [compared] : [])]) {
      await child.call('cleanUp').catch((error: unknown) => log(`clean-up failed: ${String(error)}`));
      await child.stop();
    }
    compareBuild?.remove();
    await sandbox.stop();
  }
}

async function run(
  sandbox: SandboxChild,
  gateway: BenchChild<GatewayReady>,
  traced: BenchChild<GatewayReady>,
  compared: BenchChild<GatewayReady> | undefined,
  startups: Startup[],
): Promise<void> {
  const gw = gateway.ready;
  log(`sandbox ${sandbox.ready.url}, gateway ${gw.url} (store: ${gw.store}, env ${JSON.stringify(GATEWAY_ENV)}), ${SECONDS}s per phase`);
  const partner = await setUpPartner(sandbox, gw, 'bench-app');
  const tracedPartner = await setUpPartner(sandbox, traced.ready, 'bench-app-traced');
  if (UPSTREAM_LATENCY_MS > 0) await sandbox.call('setGraphqlLatency', UPSTREAM_LATENCY_MS);
  const directToken = partner.directToken;

  const direct: LoadTarget = {
    url: `${sandbox.ready.url}/api/graphql`,
    headers: { authorization: `Bearer ${directToken}`, 'x-jobber-graphql-version': VERSION },
    body: bodyOf(JOBBER_QUERY),
  };
  const fast: LoadTarget = { url: `${gw.url}/graphql`, headers: partner.headers('bench-main'), body: bodyOf(JOBBER_QUERY) };
  const mixed: LoadTarget = { url: `${gw.url}/graphql`, headers: partner.headers('bench-main'), body: bodyOf(MIXED_QUERY) };
  const stitched: LoadTarget = { url: `${gw.url}/graphql`, headers: partner.headers('bench-main'), body: bodyOf(STITCHED_QUERY) };
  const tracedFast: LoadTarget = { url: `${traced.ready.url}/graphql`, headers: tracedPartner.headers('bench-main'), body: bodyOf(JOBBER_QUERY) };
  // Each real client's shape (method, URL, Accept, body layout) with the same Jobber query and unique variables.
  const clientTarget = (pick: (i: number) => keyof typeof CLIENT_SHAPES, baseUrl = gw.url, owner = partner): LoadTarget => ({
    url: `${baseUrl}/graphql`,
    headers: {},
    body: () => '',
    requestFor: (i) => {
      const client = pick(i);
      return shapeRequest(client, '/graphql', owner.headers('bench-main'), { query: CLIENT_QUERIES[client], operationName: 'Bench', variables: variablesOf(i) });
    },
  });
  const clientPhases = CLIENTS.map((client) => ({
    name: `  as ${CLIENT_SHAPES[client].name} (${CLIENT_SHAPES[client].queryMethod})`,
    target: clientTarget(() => client),
    viaGateway: true,
    child: gateway,
  }));
  const mix = clientTarget((i) => CLIENTS[i % CLIENTS.length]!);
  // Apollo Client's persisted-queries link sending the same query by hash alone (a registered trusted document).
  await graphql(gw.url, 'mutation($d: [TrustedDocumentInput!]!) { registerTrustedDocuments(documents: $d) { sha256Hash } }', { d: [{ body: APOLLO_QUERY }] }, partner.headers());
  const apolloHash = createHash('sha256').update(APOLLO_QUERY).digest('hex');
  const persisted: LoadTarget = {
    url: `${gw.url}/graphql`,
    headers: {},
    body: () => '',
    requestFor: (i) => shapePersistedApolloRequest('/graphql', partner.headers('bench-main'), { sha256Hash: apolloHash, operationName: 'Bench', variables: variablesOf(i) }),
  };
  for (const target of [fast, mixed, stitched, ...clientPhases.map((p) => p.target), persisted, mix, tracedFast]) await assertAnswers(target);
  const comparedPartner = compared ? await setUpPartner(sandbox, compared.ready, 'bench-app-compared') : undefined;
  const comparedFast: LoadTarget | undefined =
    compared && comparedPartner ? { url: `${compared.ready.url}/graphql`, headers: comparedPartner.headers('bench-main'), body: bodyOf(JOBBER_QUERY) } : undefined;
  const comparedMix = compared && comparedPartner ? clientTarget((i) => CLIENTS[i % CLIENTS.length]!, compared.ready.url, comparedPartner) : undefined;
  const before = await fastPathCounts(gw.url);

  const allPhases: BenchPhase[] = [
    { name: 'direct to sandbox', target: direct, viaGateway: false, child: gateway },
    { name: 'gateway fast path', target: fast, viaGateway: true, child: gateway },
    ...clientPhases,
    { name: '  as Apollo Client, persisted (hash only)', target: persisted, viaGateway: true, child: gateway },
    { name: '  four-client mix', target: mix, viaGateway: true, child: gateway },
    { name: 'gateway mixed op', target: mixed, viaGateway: true, child: gateway },
    { name: 'gateway stitched op', target: stitched, viaGateway: true, child: gateway },
    { name: TRACED_PHASE, target: tracedFast, viaGateway: true, child: traced },
    ...(compared && comparedFast ? [{ name: COMPARED_PHASE, target: comparedFast, viaGateway: true, child: compared }] : []),
    ...(compared && comparedMix ? [{ name: COMPARED_MIX_PHASE, target: comparedMix, viaGateway: true, child: compared }] : []),
  ];
  // BENCH_ONLY=mix (a name fragment) keeps direct and the phases whose name has it: for profiling one shape.
  const only = process.env.BENCH_ONLY;
  const phases = only ? allPhases.filter((phase, k) => k === 0 || phase.name.includes(only)) : allPhases;
  for (const phase of phases) {
    log(`warm-up: ${phase.name}`);
    await runLoad(phase.target, { connections: CONNECTIONS, seconds: Math.min(2, SECONDS) });
  }
  const slices = await measureInSlices(phases, { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, log });
  // Which path served them: every client phase must have stayed on the fast path.
  const after = await fastPathCounts(gw.url);
  const servedBy = Object.fromEntries(Object.keys(after).map((key) => [key, (after[key] ?? 0) - (before[key] ?? 0)]));
  const rows: PhaseRow[] = phases.map((phase, k) => rowOf(phase, slices[k]!));

  log('1-connection latency');
  const latencySeconds = Math.max(1, Math.min(3, SECONDS / 3));
  await runSerialLatency([direct, fast], 0.5);
  const [directSerial, fastSerial] = (await runSerialLatency([direct, fast], latencySeconds * 2)) as [SerialLatency, SerialLatency];

  const memory = await runMemoryCheck(sandbox, gateway, partner, { accounts: MEMORY_ACCOUNTS, requests: MEMORY_REQUESTS, connections: CONNECTIONS, log });

  process.stdout.write(
    formatReport({
      store: gw.store,
      gatewayEnv: GATEWAY_ENV,
      seconds: SECONDS,
      connections: CONNECTIONS,
      upstreamLatencyMs: UPSTREAM_LATENCY_MS,
      servedBy,
      rows,
      serial: { directP50Ms: directSerial.p50Ms, fastP50Ms: fastSerial.p50Ms, directP99Ms: directSerial.p99Ms, fastP99Ms: fastSerial.p99Ms },
      memory,
      startups,
    }),
  );
  const cpuOf = (name: string) => rows.find((row) => row.name === name)?.cpuUsPerRequest;
  const [off, on] = [cpuOf('gateway fast path') ?? NaN, cpuOf(TRACED_PHASE) ?? NaN];
  const otlp = await sandbox.call<{ posts: number; bytes: number }>('otlpReceived');
  process.stdout.write(
    `tracing on (every request sampled, batch OTLP/HTTP export to a local collector): gateway CPU per fast-path request ` +
      `${on.toFixed(0)} µs against ${off.toFixed(0)} µs off (${((on / off - 1) * 100).toFixed(0)} %); ` +
      `${otlp.posts} exports, ${(otlp.bytes / 1e6).toFixed(1)} MB\n`,
  );
  const other = cpuOf(COMPARED_PHASE);
  if (other !== undefined) {
    process.stdout.write(
      `BENCH_COMPARE_DIR: gateway CPU per fast-path request ${off.toFixed(0)} µs here against ${other.toFixed(0)} µs there (${((off / other - 1) * 100).toFixed(1)} %)\n`,
    );
  }
  const [mixHere, mixThere] = [cpuOf('  four-client mix'), cpuOf(COMPARED_MIX_PHASE)];
  if (mixHere !== undefined && mixThere !== undefined) {
    process.stdout.write(
      `BENCH_COMPARE_DIR: gateway CPU per four-client-mix request ${mixHere.toFixed(0)} µs here against ${mixThere.toFixed(0)} µs there (${((mixHere / mixThere - 1) * 100).toFixed(1)} %)\n`,
    );
  }
}

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
