import autocannon from 'autocannon';
import { request } from 'undici';

export interface LoadTarget {
  /** Full URL of the GraphQL endpoint. */
  url: string;
  headers: Record<string, string>;
  /** The JSON body of request number `i` (unique variables per request). */
  body(i: number): string;
  /** Headers of request number `i` on top of `headers` (e.g. rotating X-Account-Id). */
  headersFor?(i: number): Record<string, string>;
  /** When set, request number `i` whole (method, path with its query string, every header, body): a real client's shape. */
  requestFor?(i: number): ClientRequest;
}

export interface ClientRequest {
  method: 'GET' | 'POST';
  /** Path and query string, e.g. `/graphql?query=…`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

/** Drives `target` with autocannon for `seconds`, or for `amount` requests when given. */
export async function runLoad(target: LoadTarget, options: { connections: number; seconds?: number; amount?: number }): Promise<LoadResult> {
  let counter = 0;
  const started = performance.now();
  const result = await autocannon({
    url: target.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const i = counter++;
          if (target.requestFor) {
            const { method, path, headers, body } = target.requestFor(i);
            return { ...req, method, path, headers, body: body ?? '' };
          }
          return { ...req, headers: { ...req.headers, ...target.headersFor?.(i) }, body: target.body(i) };
        },
      },
    ],
  });
  const elapsedS = (performance.now() - started) / 1000;
  return {
    requests: result.requests.total,
    reqPerSec: options.amount ? result.requests.total / elapsedS : result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

export interface SerialLatency {
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

/**
 * One request at a time for `seconds`, alternating between the targets (so both see the same moments of
 * a shared, noisy machine): latency percentiles of each with µs resolution, in ms.
 */
export async function runSerialLatency(targets: readonly LoadTarget[], seconds: number): Promise<SerialLatency[]> {
  const samples: number[][] = targets.map(() => []);
  const until = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < until; i++) {
    for (const [k, target] of targets.entries()) {
      const t0 = performance.now();
      const response = await request(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers, ...target.headersFor?.(i) },
        body: target.body(i),
      });
      await response.body.text();
      samples[k]!.push(performance.now() - t0);
      if (response.statusCode !== 200) throw new Error(`${target.url} answered ${response.statusCode}`);
    }
  }
  return samples.map((list) => {
    list.sort((a, b) => a - b);
    const at = (q: number) => list[Math.min(list.length - 1, Math.floor(q * list.length))] ?? NaN;
    return { p50Ms: at(0.5), p99Ms: at(0.99), requests: list.length };
  });
}
