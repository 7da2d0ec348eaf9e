/** Bench child: the Jobber sandbox with no latency and limits it never reaches. */
import { createSandbox } from '../src/sandbox/sandbox';
import { serveParent } from './childProcess';
import { startOtlpSink } from './otlpSink';

async function main(): Promise<void> {
  const sandbox = await createSandbox({
    bucket: { maximumAvailable: 1e12, restoreRate: 1e12 },
    requestLimit: { max: 1e12, windowMs: 1000 },
  });
  const { control } = sandbox;
  // The traced gateway's collector lives here, beside "Jobber", not in the parent with autocannon.
  const otlp = await startOtlpSink();
  serveParent(
    {
      registerApp: (app: Parameters<typeof control.registerApp>[0]) => control.registerApp(app),
      createAccounts: (names: string[]) => names.map((name) => control.createAccount({ name })),
      issueTokens: (input: { clientId: string; accountIds: string[] }) =>
        input.accountIds.map((accountId) => control.issueTokensDirect({ clientId: input.clientId, accountId })),
      counters: () => control.counters(),
      setGraphqlLatency: (ms: number) => control.setGraphqlLatency(ms),
      stats: () => ({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss }),
      otlpReceived: () => otlp.received(),
    },
    { url: sandbox.url, otlpUrl: otlp.url },
  );
}

void main();
