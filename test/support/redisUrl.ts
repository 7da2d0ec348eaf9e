import { randomBytes } from 'node:crypto';

/** The Redis that globalSetup made sure of. */
export function testRedisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A key prefix unique to one test, so tests running in parallel on one Redis never collide. */
export function uniqueKeyPrefix(label = 't'): string {
  return `test:${label}:${randomBytes(6).toString('hex')}:`;
}
