/**
 * The composition root: the only module that reads process.env, listens on ports and handles signals.
 *   tsx src/main.ts            the gateway (npm start runs the built copy)
 *   tsx src/main.ts sandbox    the Jobber sandbox alone (npm run sandbox)
 *   tsx src/main.ts demo       sandbox + gateway + embedded store + a demo partner (npm run demo)
 */
import type { Server } from 'node:http';
import { createApp } from './app';
import { loadConfig, type Config } from './config/config';
import { systemClock, type Deps } from './core/deps';
import { createSecretBox } from './crypto/secretBox';
import { prepareDemo } from './runtime/prepareDemo';
import { createLogger } from './runtime/createLogger';
import { createStoreFromConfig } from './runtime/createStoreFromConfig';
import { loadEncryptionKeys } from './runtime/loadEncryptionKeys';
import type { Sandbox } from './sandbox/sandbox';

type Closer = () => Promise<void>;

function onShutdown(logger: { info(msg: string): void }, closers: Closer[]): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info(`${signal} received, shutting down`);
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    void (async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
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
  onShutdown(logger, closers);
  let jobberBaseUrl = config.jobberBaseUrl;
  let sandbox: Sandbox | undefined;
  if (mode === 'demo') {
    sandbox = await startSandbox(config);
    closers.push(() => sandbox!.close());
    jobberBaseUrl = sandbox.url;
  }
  const store = await createStoreFromConfig(config.store, systemClock);
  closers.push(() => store.close());
  const { keys } = await loadEncryptionKeys({
    encryptionKey: config.encryptionKey,
    previousEncryptionKeys: config.previousEncryptionKeys,
    dataDir: config.store.kind === 'embedded' ? config.dataDir : null,
  });
  const deps: Deps = { store, fetch: globalThis.fetch, clock: systemClock, logger };
  const app = await createApp({ config: { ...config, jobberBaseUrl }, deps, secretBox: createSecretBox({ keys }) });
  closers.push(() => app.close());
  const { server } = await app.listen(config.port, mode === 'demo' ? '127.0.0.1' : '0.0.0.0');
  closers.push(closeServer(server));
  app.startBackground();
  logger.info({ port: config.port, publicUrl: config.publicUrl, jobber: jobberBaseUrl, store: config.store.kind }, 'gateway listening');
  if (sandbox) {
    const demo = await prepareDemo({ app, sandbox, publicUrl: config.publicUrl, dataDir: config.dataDir });
    process.stdout.write(demo.banner);
  }
}

/** The sandbox (and its mock data generator) is loaded only in the modes that run it: gateway startup skips it. */
async function startSandbox(config: Config): Promise<Sandbox> {
  const { createSandbox } = await import('./sandbox/sandbox');
  return createSandbox({ port: config.sandboxPort });
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
