/**
 * A private Redis Cluster: three masters and three replicas, each a `redis-server` on its
 * own loopback port and directory, joined with `redis-cli --cluster create`, with a short
 * node timeout so a killed master is failed over within a few seconds.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { waitFor } from '@celeriac/testing';
import type { ServerProcess } from './redis-servers.js';
import { baseArgs, freeClusterPorts, startServer, tempDir } from './redis-servers.js';

const run = promisify(execFile);

/** A running cluster. */
export interface ClusterSetup {
  /** `redis+cluster://127.0.0.1:p1;127.0.0.1:p2;127.0.0.1:p3`. */
  readonly url: string;
  readonly nodes: readonly ServerProcess[];
  /** The node serving `key`'s slot as master now. */
  masterOf(key: string): Promise<ServerProcess>;
  /** `redis-cli` against one node. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Wait until every slot is served again (`cluster_state:ok` on every live node). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

/** Start the cluster; everything started is killed when a later step fails. */
export async function startClusterSetup(): Promise<ClusterSetup> {
  const dir = tempDir('cluster');
  const ports = await freeClusterPorts(6);
  const nodes: ServerProcess[] = [];
  const dispose = async () => {
    for (const node of [...nodes].reverse()) await node.kill();
    dir.remove();
  };
  const cli = async (port: number, ...args: string[]) =>
    (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
  const live = () =>
    nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
  const waitHealthy = async (timeoutMs = 30_000) => {
    await waitFor(
      async () => {
        for (const node of live()) {
          if (!(await cli(node.port, 'cluster', 'info')).includes('cluster_state:ok')) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 200, description: 'the cluster to be healthy' },
    );
  };
  try {
    for (const port of ports) {
      nodes.push(
        await startServer(port, [
          ...baseArgs(port, dir.dir),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '1000',
          '--dbfilename',
          `dump-${port}.rdb`,
          '--repl-diskless-sync-delay',
          '0',
        ]),
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await waitHealthy();
    // Every replica synced, so a failover promotes a replica holding the data.
    await waitFor(
      async () => {
        for (const node of nodes) {
          const info = await cli(node.port, 'info', 'replication');
          if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
        }
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 200, description: 'the replicas to sync' },
    );
    const masterOf = async (key: string) => {
      const client = new Redis({ port: live()[0]!.port, lazyConnect: true });
      try {
        await client.connect();
        const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
        const shards = (await client.call('CLUSTER', 'SLOTS')) as [
          number,
          number,
          [string, number],
        ][];
        const shard = shards.find(([from, to]) => slot >= from && slot <= to);
        const port = shard?.[2][1];
        const node = nodes.find((n) => n.port === port);
        if (!node) throw new Error(`no master serves slot ${slot}`);
        return node;
      } finally {
        client.disconnect();
      }
    };
    return {
      url:
        'redis+cluster://' +
        ports
          .slice(0, 3)
          .map((p) => `127.0.0.1:${p}`)
          .join(';'),
      nodes,
      masterOf,
      cli,
      waitHealthy,
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
