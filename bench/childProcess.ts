import { fork, type ChildProcess } from 'node:child_process';

// Each handler reads its own argument shape (the parent and the child are written together).
type Handlers = Record<string, (args: never) => unknown>;

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/** In a bench child: answers `call(method, args)` messages from the parent, and says when it is ready. */
export function serveParent(handlers: Handlers, ready: Record<string, unknown>): void {
  process.on('message', (message: { id: number; method: string; args: unknown }) => {
    void (async () => {
      const reply: Reply = { id: message.id };
      try {
        const handler = handlers[message.method];
        if (!handler) throw new Error(`unknown method ${message.method}`);
        reply.result = await handler(message.args as never);
      } catch (error) {
        reply.error = error instanceof Error ? error.stack ?? error.message : String(error);
      }
      process.send?.(reply);
    })();
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ id: 0, result: ready });
}

export interface BenchChild<R> {
  ready: R;
  call<T = unknown>(method: string, args?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Forks a bench child (a compiled .js file, or a .ts one through tsx) and waits for its ready message. */
export async function startChild<R>(file: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<BenchChild<R>> {
  const child: ChildProcess = fork(file, [], {
    execArgv: [...(file.endsWith('.ts') ? ['--import', 'tsx'] : []), ...nodeArgs],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let readyWaiter: { resolve(value: unknown): void; reject(error: Error): void } | undefined;
  child.on('message', (reply: Reply) => {
    const waiter = reply.id === 0 ? readyWaiter : pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error) waiter?.reject(new Error(reply.error));
    else waiter?.resolve(reply.result);
  });
  child.once('exit', (code) => {
    const error = new Error(`${file} exited with code ${code}`);
    readyWaiter?.reject(error);
    for (const waiter of pending.values()) waiter.reject(error);
  });
  const ready = (await new Promise((resolve, reject) => (readyWaiter = { resolve, reject }))) as R;
  return {
    ready,
    call<T>(method: string, args?: unknown) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, method, args });
      });
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      });
    },
  };
}
