/**
 * The composition root: the only module that reads process.env, listens on ports and handles signals.
 *   tsx src/main.ts            the gateway (npm start runs the built copy)
 *   tsx src/main.ts sandbox    the Jobber sandbox alone (npm run sandbox)
 *   tsx src/main.ts demo       sandbox + gateway + embedded store + a demo partner (npm run demo)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createApp, type GatewayApp } from './app';
import { loadConfig, type Config } from './config/config';
import { systemClock, type Deps } from './core/deps';
import { createSecretBox } from './crypto/secretBox';
import { loadJobberSchema, type JobberSchemaSnapshot } from './gateway/buildGatewaySchema';
import type { ExplorerDemo } from './http/explorerPage';
import { createTracing } from './observability/tracing';
import { prepareDemo } from './runtime/prepareDemo';
import { createLogger } from './runtime/createLogger';
import { createStoreFromConfig } from './runtime/createStoreFromConfig';
import { loadEncryptionKeys } from './runtime/loadEncryptionKeys';
import type { Sandbox } from './sandbox/sandbox';

type Closer = () => Promise<void>;

/** Past the drain, how long closing may take before the process exits anyway (code 1). */
const CLOSE_TIMEOUT_MS = 10_000;

function onShutdown(logger: { info(msg: string): void }, closers: Closer[], drainMs = 0): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`${signal} received, shutting down`);
    const timer = setTimeout(() => process.exit(1), drainMs + CLOSE_TIMEOUT_MS);
    timer.unref();
    void (async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Counts the server's in-flight requests; once draining, answers ask clients to close their connection. */
function trackRequests(server: Server): { inFlight(): number; startDraining(): void } {
  let inFlight = 0;
  let draining = false;
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => inFlight--);
  });
  return { inFlight: () => inFlight, startDraining: () => void (draining = true) };
}

/**
 * The first step of a shutdown: `/readyz` answers 503 at once (the load balancer stops sending new
 * work), requests keep being served for `drainMs`, then until none is in flight (bounded), and only
 * then does the server stop accepting.
 */
function drainRequests(app: GatewayApp, requests: ReturnType<typeof trackRequests>, drainMs: number, logger: { info(obj: object, msg: string): void }): Closer {
  return async () => {
    app.beginShutdown();
    requests.startDraining();
    logger.info({ drainMs, inFlight: requests.inFlight() }, 'draining: /readyz answers 503');
    await new Promise((resolve) => setTimeout(resolve, drainMs));
    const deadline = Date.now() + CLOSE_TIMEOUT_MS - 1000;
    while (requests.inFlight() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  };
}

function closeServer(server: Server): Closer {
  return () =>
    new Promise((resolve) => {
      // Stop accepting, let in-flight requests finish (the 10 s fallback in onShutdown bounds it),
      // and drop idle keep-alive connections so close() does not wait for clients to hang up.
      server.close(() => resolve());
      server.closeIdleConnections();
    });
}

async function startGateway(config: Config, mode: 'gateway' | 'demo'): Promise<void> {
  const logger = createLogger(config.logLevel);
  const closers: Closer[] = [];
  onShutdown(logger, closers, config.shutdownDrainMs);
  let jobberBaseUrl = config.jobberBaseUrl;
  let sandbox: Sandbox | undefined;
  let jobber: JobberSchemaSnapshot | undefined;
  // The explorer opens with the demo partner's headers, known once prepareDemo has run (below).
  let demoReady: { resolve(demo: ExplorerDemo): void; reject(error: unknown): void } | undefined;
  let demo: { explorer: Promise<ExplorerDemo> } | undefined;
  if (mode === 'demo') {
    // The demo's sandbox serves the snapshot, so the version the gateway sends (the snapshot's unless
    // JOBBER_API_VERSION says otherwise) is its current one: answers carry no upgrade warning.
    jobber = loadJobberSchema();
    sandbox = await startSandbox(config, config.jobberApiVersion ?? jobber.version);
    closers.push(() => sandbox!.close());
    jobberBaseUrl = sandbox.url;
    const explorer = new Promise<ExplorerDemo>((resolve, reject) => (demoReady = { resolve, reject }));
    explorer.catch(() => undefined); // a failed prepareDemo stops the process; no unhandled rejection first
    demo = { explorer };
  }
  const store = await createStoreFromConfig(config.store, systemClock);
  closers.push(() => store.close());
  const { keys } = await loadEncryptionKeys({
    encryptionKey: config.encryptionKey,
    previousEncryptionKeys: config.previousEncryptionKeys,
    dataDir: config.store.kind === 'embedded' ? config.dataDir : null,
  });
  const deps: Deps = { store, fetch: globalThis.fetch, clock: systemClock, logger };
  // Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; closed after the app so the last spans are exported.
  const tracing = config.tracing ? createTracing(config.tracing) : undefined;
  if (tracing) closers.push(() => tracing.shutdown());
  const app = await createApp({
    config: { ...config, jobberBaseUrl },
    deps,
    secretBox: createSecretBox({ keys }),
    jobber,
    demo,
    ...(tracing ? { tracing } : {}),
  });
  closers.push(() => app.close());
  const host = mode === 'demo' ? '127.0.0.1' : '0.0.0.0';
  const { server } = await app.listen(config.port, host);
  const requests = trackRequests(server);
  closers.push(closeServer(server));
  if (config.metricsPort !== undefined) {
    const metricsServer = createServer(app.metricsHandler);
    await new Promise<void>((resolve, reject) => {
      metricsServer.once('error', reject);
      metricsServer.listen(config.metricsPort, host, resolve);
    });
    closers.push(closeServer(metricsServer));
  }
  // Closers run last-in first: the drain runs before the servers stop accepting.
  closers.push(drainRequests(app, requests, config.shutdownDrainMs, logger));
  app.startBackground();
  logger.info(
    {
      port: config.port,
      metricsPort: config.metricsPort,
      publicUrl: config.publicUrl,
      jobber: jobberBaseUrl,
      store: config.store.kind,
      tracing: tracing ? 'on' : 'off',
    },
    'gateway listening',
  );
  if (sandbox) {
    const prepared = await prepareDemo({ app, sandbox, publicUrl: config.publicUrl, dataDir: config.dataDir }).catch((error: unknown) => {
      demoReady?.reject(error);
      throw error;
    });
    demoReady?.resolve({ apiKey: prepared.apiKey, accountId: prepared.accountId });
    process.stdout.write(prepared.banner);
  }
}

/** The sandbox (and its mock data generator) is loaded only in the modes that run it: gateway startup skips it. */
async function startSandbox(config: Config, apiVersion?: string): Promise<Sandbox> {
  const { createSandbox } = await import('./sandbox/sandbox');
  return createSandbox({ port: config.sandboxPort, apiVersion });
}

async function startSandboxOnly(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const sandbox = await startSandbox(config);
  onShutdown(logger, [() => sandbox.close()]);
  logger.info({ url: sandbox.url }, 'Jobber sandbox listening (control API under /__sandbox)');
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'gateway';
  const env = { ...process.env };
  if (mode === 'demo') {
    // The demo is everything local: the embedded store, whatever Redis the shell may point at.
    env.DATA_DIR ??= '.data/demo';
    // A demo partner's webhook receiver runs on this machine.
    env.WEBHOOK_ALLOW_PRIVATE_TARGETS ??= 'true';
    delete env.REDIS_URL;
    delete env.REDIS_CLUSTER_NODES;
  }
  const result = loadConfig(env);
  if (!result.ok) {
    process.stderr.write(`Invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exit(1);
  }
  if (mode === 'sandbox') return startSandboxOnly(result.config);
  if (mode === 'gateway' || mode === 'demo') return startGateway(result.config, mode);
  process.stderr.write(`Unknown mode "${mode}": use gateway, sandbox or demo.\n`);
  process.exit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`jobber-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
