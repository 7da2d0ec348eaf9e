/**
 * Makes sure a real Redis answers for the integration tests (DESIGN.md "Commands"): the one at
 * REDIS_URL (default redis://127.0.0.1:6379), else a `redis-server` started on a free port and
 * stopped by globalTeardown, else a clear failure that says how to get one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, Socket } from 'node:net';

function answersPing(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || 6379), hostname, () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export default async function globalSetup(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await answersPing(url)) {
    process.env.REDIS_URL = url;
    return;
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      `No Redis answers at ${url} and redis-server is not on the PATH. Start one (apt-get install redis-server) or set REDIS_URL.`,
    );
  }
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const started = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await answersPing(started)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await answersPing(started))) throw new Error(`redis-server did not start on port ${port}`);
  (globalThis as { __redisChild?: unknown }).__redisChild = child;
  process.env.REDIS_URL = started;
}
