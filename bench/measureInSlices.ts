import type { PhaseRow } from './benchReport';
import type { BenchChild } from './childProcess';
import { runLoad, type LoadTarget } from './loadPhases';

/** What a bench child reports of itself (its `stats` call): CPU in µs, memory in bytes. */
export interface ProcessStats {
  cpu: { user: number; system: number };
  rss: number;
  heapUsed: number;
  heapTotal?: number;
  external?: number;
}

/** One load phase: where its requests go, and whose CPU they cost (`viaGateway`: the gateway child's). */
export interface BenchPhase {
  name: string;
  target: LoadTarget;
  viaGateway: boolean;
  child: BenchChild<unknown>;
}

/** What one phase's slices added up to. */
export interface PhaseTotals {
  requests: number;
  failures: number;
  /** CPU (user + system) and system alone of the phase's child over its slices, µs. */
  cpuUs: number;
  sysUs: number;
  p50s: number[];
  p99s: number[];
  /** The child's RSS after the phase's last slice, bytes. */
  rss: number;
  /** Seconds of load over all slices. */
  seconds: number;
}

/**
 * The phases take turns in `rounds` slices of `seconds / rounds` each, so a slow spell of the shared
 * machine falls on all of them alike instead of on whichever phase ran then. Each round starts with
 * another phase, so none always follows the same one (the sandbox's garbage from a fast phase falls on
 * whatever runs next).
 */
export async function measureInSlices(
  phases: readonly BenchPhase[],
  options: { rounds: number; seconds: number; connections: number; log(line: string): void },
): Promise<PhaseTotals[]> {
  const { rounds, connections } = options;
  const sliceSeconds = Math.max(1, options.seconds / rounds);
  const totals: PhaseTotals[] = phases.map(() => ({ requests: 0, failures: 0, cpuUs: 0, sysUs: 0, p50s: [], p99s: [], rss: 0, seconds: rounds * sliceSeconds }));
  for (let round = 1; round <= rounds; round++) {
    options.log(`measuring: round ${round} of ${rounds}, ${sliceSeconds} s per phase`);
    for (let turn = 0; turn < phases.length; turn++) {
      const k = (turn + round - 1) % phases.length;
      const phase = phases[k]!;
      const before = await phase.child.call<ProcessStats>('stats');
      const load = await runLoad(phase.target, { connections, seconds: sliceSeconds });
      const after = await phase.child.call<ProcessStats>('stats');
      const total = totals[k]!;
      total.requests += load.requests;
      total.failures += load.failures;
      total.cpuUs += cpuMicros(before, after);
      total.sysUs += after.cpu.system - before.cpu.system;
      total.p50s.push(load.p50Ms);
      total.p99s.push(load.p99Ms);
      total.rss = after.rss;
    }
  }
  return totals;
}

/** A phase's row of the report: medians of the slices' percentiles, the gateway's CPU per request. */
export function rowOf(phase: BenchPhase, totals: PhaseTotals): PhaseRow {
  const perRequest = (us: number) => (phase.viaGateway ? us / Math.max(1, totals.requests) : undefined);
  return {
    name: phase.name,
    requests: totals.requests,
    reqPerSec: totals.requests / totals.seconds,
    p50Ms: median(totals.p50s),
    p99Ms: median(totals.p99s),
    failures: totals.failures,
    cpuUsPerRequest: perRequest(totals.cpuUs),
    sysUsPerRequest: perRequest(totals.sysUs),
    rssMb: phase.viaGateway ? totals.rss / 1e6 : undefined,
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const cpuMicros = (before: ProcessStats, after: ProcessStats): number => after.cpu.user - before.cpu.user + (after.cpu.system - before.cpu.system);
