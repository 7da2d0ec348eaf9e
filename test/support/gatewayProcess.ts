import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const REPO_ROOT = resolve(__dirname, '../..');

export interface GatewayProcessOptions {
  /** Environment of the gateway (REDIS_URL, GATEWAY_ENCRYPTION_KEY, …), laid over this process's. PORT defaults to a free port. */
  env: Record<string, string | undefined>;
  /** How long to wait for `/readyz` to answer 200 (ms); default 90000 (a loaded 2-core machine is slow to compile). */
  readyTimeoutMs?: number;
  /** How many output lines (stdout and stderr together) to keep, the newest; default 20000. */
  maxOutputLines?: number;
  /**
   * Arguments after `src/main.ts`, e.g. `['demo']` (what `npm run demo` runs); default none (the gateway).
   * The sandbox and demo modes load the sandbox with a dynamic import, which needs tsx's ESM hooks as
   * well, so with arguments the process runs under `--import tsx` (as the tsx command does).
   */
  args?: string[];
}

export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A real gateway process (`node --require tsx/cjs src/main.ts`), as an operator would run it. */
export interface GatewayProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  pid: number;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<GatewayExit>;
  /** SIGTERM, then SIGKILL if still alive after `graceMs` (default 12000). Idempotent. */
  stop(graceMs?: number): Promise<GatewayExit>;
  /** The kept output lines (bounded: see `maxOutputLines`). */
  output(): string[];
  /** How many lines were written in all, kept or not. */
  outputLineCount(): number;
  /** Resolves when the process has exited, whatever ended it. */
  exited: Promise<GatewayExit>;
}

/** A port nobody listens on right now (the usual small race with other processes is accepted). */
export function findFreePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Spawns the gateway's composition root with `env` and resolves once `/readyz` answers 200.
 * `node --require tsx/cjs` rather than `npx tsx`: it starts about a third faster, and the pid is the
 * gateway itself (npx leaves the real process orphaned when the wrapper is killed).
 * Rejects (and kills the child) if it exits or is not ready in time, with its last output lines.
 */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const port = options.env.PORT ? Number(options.env.PORT) : await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const maxLines = options.maxOutputLines ?? 20_000;
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'info', ...options.env, PORT: String(port) };
  const loader = options.args?.length ? ['--import', 'tsx'] : ['--require', 'tsx/cjs'];
  const child = spawn(process.execPath, [...loader, 'src/main.ts', ...(options.args ?? [])], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('gateway process did not spawn');

  const lines: string[] = [];
  let lineCount = 0;
  const keep = (line: string) => {
    lineCount++;
    lines.push(line);
    if (lines.length > maxLines) lines.shift();
  };
  createInterface({ input: child.stdout }).on('line', keep);
  createInterface({ input: child.stderr }).on('line', keep);

  let exit: GatewayExit | undefined;
  const exited = new Promise<GatewayExit>((done) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      done(exit);
    }),
  );
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<GatewayExit> => {
    if (!exit) child.kill(signal);
    return exited;
  };
  let stopping: Promise<GatewayExit> | undefined;
  const stop = (graceMs = 12_000): Promise<GatewayExit> => {
    stopping ??= (async () => {
      if (exit) return exit;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((done) => (timer = setTimeout(done, graceMs)));
      await Promise.race([exited, forced]);
      clearTimeout(timer);
      return kill('SIGKILL');
    })();
    return stopping;
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  while (!(await isReady(url))) {
    if (exit || Date.now() > deadline) {
      await kill('SIGKILL');
      throw new Error(`gateway process on port ${port} ${exit ? `exited (${JSON.stringify(exit)})` : 'was not ready in time'}:\n${lines.slice(-20).join('\n')}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }

  return { url, port, pid, kill, stop, output: () => [...lines], outputLineCount: () => lineCount, exited };
}
