import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isGatewayError } from '../../../src/errors/gatewayError';
import { createEmbeddedStore } from '../../../src/store/embeddedStore';
import { describeStoreContract, expectGatewayError } from './storeContract';
import { waitFor } from '../../support/waitFor';


async function makeTempDir(): Promise<string> {
  return fs.mkdtemp(join(tmpdir(), 'jg-embedded-'));
}

const contractDirs: string[] = [];
let contractDir: string | undefined;
describeStoreContract(
  'embedded',
  async () => {
    if (!contractDir) {
      contractDir = await makeTempDir();
      contractDirs.push(contractDir);
    }
    return createEmbeddedStore({ dataDir: contractDir });
  },
  async () => {
    for (const dir of contractDirs) await fs.rm(dir, { recursive: true, force: true });
  },
);

/** A second process that opens the store in `dataDir` and keeps it until killed. */
function startHolder(dataDir: string): Promise<ChildProcess> {
  const modulePath = resolve(__dirname, '../../../src/store/embeddedStore.ts');
  const script =
    `const { createEmbeddedStore } = require(${JSON.stringify(modulePath)});` +
    `createEmbeddedStore({ dataDir: ${JSON.stringify(dataDir)} }).then(() => { console.log('holding'); setInterval(() => {}, 1000); },` +
    ` (e) => { console.error(e.message); process.exit(1); });`;
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += String(chunk)));
    child.stdout?.on('data', (chunk) => String(chunk).includes('holding') && resolvePromise(child));
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}: ${stderr}`)));
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    child.once('exit', () => resolvePromise());
    child.kill('SIGKILL');
  });
}

describe('embedded store files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('when another live process holds the folder, then start is refused until that process is gone', async () => {
    const holder = await startHolder(dir);
    try {
      const refused = createEmbeddedStore({ dataDir: dir });
      await expectGatewayError(refused, 'STORE_UNAVAILABLE');
      await expect(refused).rejects.toThrow(new RegExp(`in use by process ${holder.pid}`));
    } finally {
      await killAndWait(holder);
    }
    // The holder died without releasing: its lock names a dead pid, which is stale.
    const store = await createEmbeddedStore({ dataDir: dir });
    await store.set('k', 'v');
    await store.close();
  }, 30_000);

  test('when a second store in this process opens the same folder, then it is refused', async () => {
    const first = await createEmbeddedStore({ dataDir: dir });
    await expectGatewayError(createEmbeddedStore({ dataDir: dir }), 'STORE_UNAVAILABLE');
    await first.close();
    await expect(fs.stat(join(dir, 'store.lock'))).rejects.toThrow(/ENOENT/);
    const second = await createEmbeddedStore({ dataDir: dir });
    await second.close();
  });

  test.each([
    ['no lock file', false],
    ['a stale lock file of a dead process', true],
  ])('when ten opens race on a folder with %s, then exactly one wins', async (_label, withStaleLock) => {
    if (withStaleLock) {
      const deadPid = spawnSync('true').pid;
      await fs.writeFile(join(dir, 'store.lock'), JSON.stringify({ pid: deadPid, processStartedAt: 1 }));
    }
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => createEmbeddedStore({ dataDir: dir })));
    const winners = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(isGatewayError(outcome.reason) && outcome.reason.code).toBe('STORE_UNAVAILABLE');
    }
    await winners[0]?.close();
    expect((await fs.readdir(dir)).filter((name) => name.startsWith('store.lock'))).toEqual([]);
  });

  test('when store.json is damaged, then start fails with a clear message and leaves the file as it was', async () => {
    const damaged = '{"format":"jobber-gateway-store","version":1,"entries":[{"k":"a","s":';
    await fs.writeFile(join(dir, 'store.json'), damaged);
    const attempt = createEmbeddedStore({ dataDir: dir });
    await expectGatewayError(attempt, 'STORE_UNAVAILABLE');
    await expect(attempt).rejects.toThrow(/store\.json is damaged: not JSON.*left as it is/);
    await expect(createEmbeddedStore({ dataDir: dir })).rejects.toThrow(/damaged/);
    expect(await fs.readFile(join(dir, 'store.json'), 'utf8')).toBe(damaged);
    await expect(fs.stat(join(dir, 'store.lock'))).rejects.toThrow(/ENOENT/);
  });

  test('when a crash left a half-written temp file, then start ignores it, removes it and keeps store.json', async () => {
    const first = await createEmbeddedStore({ dataDir: dir });
    await first.set('k', 'kept');
    await first.close();
    await fs.writeFile(join(dir, 'store.json.4242.tmp'), '{"format":"jobber-gat');
    const store = await createEmbeddedStore({ dataDir: dir });
    try {
      expect(await store.get('k')).toBe('kept');
      expect((await fs.readdir(dir)).sort()).toEqual(['store.json', 'store.lock']);
    } finally {
      await store.close();
    }
  });

  test('when store.json is JSON of another shape, then start fails naming what is wrong', async () => {
    await fs.writeFile(join(dir, 'store.json'), '{"hello":"world"}');
    await expect(createEmbeddedStore({ dataDir: dir })).rejects.toThrow(/not a store snapshot \(format/);
    expect(await fs.readFile(join(dir, 'store.json'), 'utf8')).toBe('{"hello":"world"}');
  });

  test('when values change, then store.json is written shortly after, without waiting for close', async () => {
    const store = await createEmbeddedStore({ dataDir: dir, flushDelayMs: 10 });
    try {
      for (let i = 0; i < 100; i++) await store.set(`key-${i}`, `value-${i}`);
      const file = join(dir, 'store.json');
      let text = '';
      await waitFor(async () => (text = await fs.readFile(file, 'utf8').catch(() => '')).includes('value-99'), 'the last write on disk', 5000);
      expect(text).toContain('value-99');
      expect((await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test('when store.json cannot be written, then ping fails and the error is reported, until a write succeeds', async () => {
    const failures: unknown[] = [];
    const store = await createEmbeddedStore({ dataDir: dir, flushDelayMs: 5, onPersistError: (error) => failures.push(error) });
    const file = join(dir, 'store.json');
    try {
      // A non-empty folder where the file should be: the rename of every write fails.
      await fs.mkdir(join(file, 'blocker'), { recursive: true });
      await store.set('k', 'v1');
      await waitFor(async () => failures.length > 0, 'a persist failure', 5000);
      const failure = failures[0];
      expect(isGatewayError(failure) && failure.code).toBe('STORE_UNAVAILABLE');
      await expectGatewayError(store.ping(), 'STORE_UNAVAILABLE');
      expect(await store.get('k')).toBe('v1');

      await fs.rm(file, { recursive: true });
      await store.set('k', 'v2');
      await waitFor(() => store.ping().then(() => true, () => false), 'the store to answer again', 5000);
    } finally {
      await store.close();
    }
    expect(await fs.readFile(file, 'utf8')).toContain('v2');
  });

  test('when the injected clock passes a TTL, then the key is gone and is not written to disk', async () => {
    let now = 1_000_000;
    const store = await createEmbeddedStore({ dataDir: dir, clock: { now: () => now } });
    await store.set('short', 'v', { ttlMs: 1000 });
    await store.set('kept', 'v');
    expect(await store.ttlMs('short')).toBe(1000);
    now += 999;
    expect(await store.get('short')).toBe('v');
    now += 1;
    expect(await store.get('short')).toBeNull();
    await store.set('unread', 'v', { ttlMs: 10 });
    now += 10;
    await store.close();
    const text = await fs.readFile(join(dir, 'store.json'), 'utf8');
    expect(text).toContain('"kept"');
    expect(text).not.toContain('short');
    expect(text).not.toContain('unread');
  });

  test('when dataDir is null, then the store lives in memory and writes no file', async () => {
    const store = await createEmbeddedStore({ dataDir: null });
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
    await store.close();
    await expectGatewayError(store.get('k'), 'STORE_UNAVAILABLE');
    const again = await createEmbeddedStore({ dataDir: null });
    expect(await again.get('k')).toBeNull();
    await again.close();
  });

});
