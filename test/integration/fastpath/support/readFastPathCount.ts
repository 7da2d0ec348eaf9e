import type { TestGateway } from '../../../support/testGateway';

/** How many requests the gateway's fast path ended with `outcome` (forwarded, split, …), read from /metrics. */
export async function readFastPathCount(gateway: TestGateway, outcome: string): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`gateway_fast_path_total{outcome="${outcome}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
