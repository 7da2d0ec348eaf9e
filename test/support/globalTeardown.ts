import type { ChildProcess } from 'node:child_process';

export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __redisChild?: ChildProcess }).__redisChild;
  child?.kill('SIGTERM');
}
