import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { GatewayError, isGatewayError } from '../errors/gatewayError';

/** What store.lock holds: the owner's pid and when that process started (ms since the epoch). */
export interface LockOwner {
  pid: number;
  processStartedAt: number;
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** Start times of one process, measured twice, differ by rounding; 2 s apart means another process. */
const SAME_START_TOLERANCE_MS = 2000;

export function currentLockOwner(): LockOwner {
  return { pid: process.pid, processStartedAt: Math.round(Date.now() - process.uptime() * 1000) };
}

/**
 * Whether a lock file's owner is gone. A pid equal to ours is stale unless it started when we did:
 * in containers the gateway often has the same pid after a restart, and a lock file left by the
 * previous container must not block the new one.
 */
export function isLockOwnerGone(owner: LockOwner, self: LockOwner, isPidAlive: (pid: number) => boolean): boolean {
  if (owner.pid === self.pid) return Math.abs(owner.processStartedAt - self.processStartedAt) > SAME_START_TOLERANCE_MS;
  return !isPidAlive(owner.pid);
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLockOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(value.pid) && typeof value.processStartedAt === 'number') {
      return { pid: value.pid as number, processStartedAt: value.processStartedAt };
    }
  } catch {
    // An unreadable lock file (a crash mid-write) has no live owner.
  }
  return undefined;
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Takes `dataDir/store.lock` for this process, or rejects with STORE_UNAVAILABLE naming the live
 * owner. The lock file appears whole and exclusively (written beside it, then hard-linked into
 * place, which fails if it exists), so two processes starting together cannot both win and no one
 * ever reads a half-written lock. A stale lock is moved aside by rename and re-checked, so a lock
 * freshly taken by a racing process is put back rather than deleted (a third racer could slip in
 * while it is put back: a window of microseconds, at startup, over a stale lock only).
 */
export async function acquireDataDirLock(dataDir: string, isAlive: (pid: number) => boolean = isPidAlive): Promise<DataDirLock> {
  const path = join(dataDir, 'store.lock');
  try {
    return await takeLock(dataDir, path, isAlive);
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw new GatewayError('STORE_UNAVAILABLE', `Cannot take the store lock ${path}: ${(error as Error).message}`, { cause: error });
  }
}

async function createExclusively(path: string, content: string): Promise<boolean> {
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  await fs.writeFile(draft, content);
  try {
    await fs.link(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(draft, { force: true });
  }
}

async function takeLock(dataDir: string, path: string, isAlive: (pid: number) => boolean): Promise<DataDirLock> {
  const self = currentLockOwner();
  const content = JSON.stringify(self);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusively(path, content)) return createReleasable(path, content);
    const existing = await readOrUndefined(path);
    if (existing === undefined) continue;
    const owner = parseLockOwner(existing);
    if (owner && !isLockOwnerGone(owner, self, isAlive)) {
      throw new GatewayError(
        'STORE_UNAVAILABLE',
        `The embedded store in ${dataDir} is in use by process ${owner.pid} (${path}). ` +
          'It serves one process only: stop that process, use another DATA_DIR, or set REDIS_URL to share state.',
      );
    }
    const aside = `${path}.stale-${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      await fs.rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const movedAside = await readOrUndefined(aside);
    if (movedAside !== existing && movedAside !== undefined) {
      // A racing process took the lock between our read and our rename: give it back.
      await fs.link(aside, path).catch(() => undefined);
    }
    await fs.rm(aside, { force: true });
  }
  throw new GatewayError('STORE_UNAVAILABLE', `Cannot take the store lock ${path}: other processes keep taking it`);
}

function createReleasable(path: string, content: string): DataDirLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      if ((await readOrUndefined(path)) === content) await fs.rm(path, { force: true });
    },
  };
}
