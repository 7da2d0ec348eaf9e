import type { TestGateway } from '../../../support/testGateway';

/** The value of one counter series on the gateway's /metrics, e.g. `gateway_fast_path_total{outcome="split"}` (0 when absent). */
export async function readMetricCount(gateway: TestGateway, series: string): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** How many requests the gateway's fast path ended with `outcome` (forwarded, split, …). */
export function readFastPathCount(gateway: TestGateway, outcome: string): Promise<number> {
  return readMetricCount(gateway, `gateway_fast_path_total{outcome="${outcome}"}`);
}
