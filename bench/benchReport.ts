export interface PhaseRow {
  name: string;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  /** Gateway process CPU (user + system) per request, µs; undefined for the direct phase. */
  cpuUsPerRequest: number | undefined;
  /** The kernel's share of it (loopback TCP is charged to the sender), µs. */
  sysUsPerRequest: number | undefined;
  /** Gateway RSS after the phase, MB; undefined for the direct phase. */
  rssMb: number | undefined;
}

export interface BenchReport {
  store: string;
  gatewayEnv: Record<string, string>;
  seconds: number;
  connections: number;
  /** Latency the sandbox added to each GraphQL call, ms. */
  upstreamLatencyMs: number;
  /** gateway_fast_path_total increments over the measured phases, by outcome. */
  servedBy: Record<string, number>;
  /** The first row is direct-to-sandbox, the reference of the ratios. */
  rows: PhaseRow[];
  serial: { directP50Ms: number; fastP50Ms: number; directP99Ms: number; fastP99Ms: number };
  memory: { accounts: number; requests: number; failures: number; rssAt50kMb: number;
    rssAt100kMb: number;
    reqPerSec: number;
    /** The same moments after a full GC: what the gateway keeps, without garbage V8 has not collected yet. */
    collected: { rssAt50kMb: number; rssAt100kMb: number; heapAt50kMb: number; heapAt100kMb: number; heapTotalAt100kMb: number; externalAt100kMb: number };
  };
  /** One per gateway process started; the target is checked on the median. */
  startups: Startup[];
}

export interface Startup {
  /** From process start to listening, ms. */
  readyMs: number;
  /** Of it, createApp (Jobber snapshot, stitching, Apollo start), ms. */
  createAppMs: number;
  /** From the parent's fork to the child's ready message, ms. */
  spawnToReadyMs: number;
}

/** The issues' targets (issues 7 and 11), checked against one run. */
const TARGETS = {
  fastRatio: 0.75,
  mixRatio: 0.75,
  mixCpuUs: 400,
  mixedRatio: 0.5,
  addedSerialP50Ms: 1,
  rssMb: 250,
  /** RSS may move this much between 50k and 100k requests and still count as "not growing" (GC noise). */
  rssGrowthTolerance: 0.1,
  startupMs: 2000,
};

/** The bench's one printed report: the load table, then every target with PASS/FAIL. */
export function formatReport(report: BenchReport): string {
  const direct = report.rows[0];
  const find = (name: string) => report.rows.find((row) => row.name.trim() === name);
  const fast = find('gateway fast path');
  const mixed = find('gateway mixed op');
  const mix = find('four-client mix');
  const ratio = (row: PhaseRow | undefined) => (row && direct ? row.reqPerSec / direct.reqPerSec : NaN);
  const lines: string[] = [];
  const env = Object.entries(report.gatewayEnv).map(([k, v]) => `${k}=${v}`).join(' ');
  lines.push(
    '',
    `jobber-gateway bench: ${report.connections} connections, ${report.seconds} s per phase, upstream latency ${report.upstreamLatencyMs} ms, gateway store: ${report.store}, gateway env: ${env}`,
    '',
  );
  const header = ['phase', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'gw CPU µs/req', '(of it sys)', 'gw RSS MB', 'requests', 'failed'];
  const table = report.rows.map((row) => [
    row.name,
    row.reqPerSec.toFixed(0),
    ratio(row).toFixed(2),
    row.p50Ms.toFixed(0),
    row.p99Ms.toFixed(0),
    row.cpuUsPerRequest === undefined ? '-' : row.cpuUsPerRequest.toFixed(0),
    row.sysUsPerRequest === undefined ? '-' : row.sysUsPerRequest.toFixed(0),
    row.rssMb === undefined ? '-' : row.rssMb.toFixed(0),
    String(row.requests),
    String(row.failures),
  ]);
  lines.push(...formatTable([header, ...table]));
  lines.push(
    'as <client>: the fast path query sent the way that client sends it (method, URL, Accept, body layout: bench/clientShapes.ts);',
    'persisted (hash only): Apollo Client\'s persisted-queries link sending that query by the hash of a registered trusted document;',
    'four-client mix: the four in turn. mixed op: local and Jobber root fields, split by the fast path; stitched op: the same',
    'with a root __typename, which only stitching answers (what every mixed op cost before the split).',
    `served by (gateway_fast_path_total over the measured phases): ${Object.entries(report.servedBy).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  );
  const { serial, memory } = report;
  const startups = [...report.startups].sort((a, b) => a.readyMs - b.readyMs);
  const startup = startups[Math.floor(startups.length / 2)]!;
  const { collected } = memory;
  const addedP50 = serial.fastP50Ms - serial.directP50Ms;
  lines.push(
    '',
    `1 connection, one request at a time, alternating: direct p50 ${serial.directP50Ms.toFixed(3)} ms (p99 ${serial.directP99Ms.toFixed(3)}), ` +
      `fast path p50 ${serial.fastP50Ms.toFixed(3)} ms (p99 ${serial.fastP99Ms.toFixed(3)}): added p50 ${addedP50.toFixed(3)} ms`,
    `memory: ${memory.requests} requests over ${memory.accounts} accounts at ${memory.reqPerSec.toFixed(0)} req/s (${memory.failures} failed): ` +
      `RSS ${memory.rssAt50kMb.toFixed(0)} MB at 50k, ${memory.rssAt100kMb.toFixed(0)} MB at 100k; after a full GC ` +
      `RSS ${collected.rssAt50kMb.toFixed(0)} and ${collected.rssAt100kMb.toFixed(0)} MB, live JS heap ${collected.heapAt50kMb.toFixed(0)} and ${collected.heapAt100kMb.toFixed(0)} MB ` +
      `(at 100k: V8 heap committed ${collected.heapTotalAt100kMb.toFixed(0)} MB, external ${collected.externalAt100kMb.toFixed(0)} MB)`,
    `startup: median ${startup.readyMs.toFixed(0)} ms from process start to listening over ${startups.length} starts ` +
      `(${startups.map((s) => s.readyMs.toFixed(0)).join(', ')} ms); in the median one createApp ${startup.createAppMs.toFixed(0)} ms, ` +
      `${startup.spawnToReadyMs.toFixed(0)} ms seen from the parent`,
    '',
    'targets:',
  );
  const growth = collected.rssAt100kMb / collected.rssAt50kMb - 1;
  const heapGrowth = collected.heapAt100kMb / collected.heapAt50kMb - 1;
  const checks: [string, string, string, boolean][] = [
    ['fast path req/s ratio to direct', `>= ${TARGETS.fastRatio}`, ratio(fast).toFixed(2), ratio(fast) >= TARGETS.fastRatio],
    ['four-client mix req/s ratio to direct', `>= ${TARGETS.mixRatio}`, ratio(mix).toFixed(2), ratio(mix) >= TARGETS.mixRatio],
    ['four-client mix gateway CPU per request', `< ${TARGETS.mixCpuUs} µs`, `${(mix?.cpuUsPerRequest ?? NaN).toFixed(0)} µs`, (mix?.cpuUsPerRequest ?? Infinity) < TARGETS.mixCpuUs],
    ['mixed operation req/s ratio to direct', `>= ${TARGETS.mixedRatio}`, ratio(mixed).toFixed(2), ratio(mixed) >= TARGETS.mixedRatio],
    ['added p50 at 1 connection', `< ${TARGETS.addedSerialP50Ms} ms`, `${addedP50.toFixed(3)} ms`, addedP50 < TARGETS.addedSerialP50Ms],
    ['RSS after 100k requests / 1000 accounts', `< ${TARGETS.rssMb} MB`, `${memory.rssAt100kMb.toFixed(0)} MB`, memory.rssAt100kMb < TARGETS.rssMb],
    ['  the same after a full GC', `< ${TARGETS.rssMb} MB`, `${collected.rssAt100kMb.toFixed(0)} MB`, collected.rssAt100kMb < TARGETS.rssMb],
    [
      'live JS heap growth 50k -> 100k (after GC)',
      `<= ${(TARGETS.rssGrowthTolerance * 100).toFixed(0)} %`,
      `${(heapGrowth * 100).toFixed(1)} %`,
      heapGrowth <= TARGETS.rssGrowthTolerance,
    ],
    [
      'RSS growth 50k -> 100k (after GC)',
      `<= ${(TARGETS.rssGrowthTolerance * 100).toFixed(0)} %`,
      `${(growth * 100).toFixed(1)} %`,
      growth <= TARGETS.rssGrowthTolerance,
    ],
    ['startup with the full Jobber snapshot (median)', `< ${TARGETS.startupMs} ms`, `${startup.readyMs.toFixed(0)} ms`, startup.readyMs < TARGETS.startupMs],
    ['no failed request', '0', String(report.rows.reduce((n, r) => n + r.failures, memory.failures)), report.rows.every((r) => r.failures === 0) && memory.failures === 0],
  ];
  lines.push(...formatTable([['target', 'wanted', 'measured', ''], ...checks.map(([name, wanted, measured, ok]) => [name, wanted, measured, ok ? 'PASS' : 'FAIL'])]));
  return lines.join('\n') + '\n';
}

function formatTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
}
