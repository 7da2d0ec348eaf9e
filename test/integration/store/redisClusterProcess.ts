import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, startRedisServer, type RedisServerProcess } from './redisServerProcess';

const run = promisify(execFile);

export interface RedisClusterProcess {
  /** `127.0.0.1:port` of every master. */
  nodes: string[];
  /** Crashes one master (SIGKILL); the cluster has no replica to fail over to. */
  killNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

async function clusterIsOk(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, disconnectTimeout: 50 } as never);
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.cluster('INFO')).includes('cluster_state:ok');
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A throwaway Redis Cluster of `size` masters (no replicas) on free ports, in its own temp folder. */
export async function startRedisCluster(size = 3): Promise<RedisClusterProcess> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'jg-cluster-'));
  const servers: RedisServerProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const server of servers) await server.kill();
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = await freePort();
      // The bus port is named explicitly: port + 10000 (the default) may be taken or past 65535.
      const busPort = await freePort();
      const args = ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-port', String(busPort)];
      servers.push(await startRedisServer({ port, args, cwd: dir }));
    }
    const nodes = servers.map((server) => `127.0.0.1:${server.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    const deadline = Date.now() + 30_000;
    for (const server of servers) {
      while (!(await clusterIsOk(server.port))) {
        if (Date.now() > deadline) throw new Error('Redis Cluster did not become ok in 30 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const killNode = async (index: number): Promise<void> => {
      await servers[index]?.kill();
    };
    return { nodes, killNode, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
