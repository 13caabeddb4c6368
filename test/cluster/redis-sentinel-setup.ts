/**
 * A private Redis Sentinel deployment: a master, one replica and three Sentinels, each a
 * `redis-server` on its own loopback port and directory, with short failure detection so a
 * killed master is failed over within a few seconds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from '@celeriac/testing';
import type { ServerProcess } from './redis-servers.js';
import { baseArgs, freePorts, startServer, tempDir } from './redis-servers.js';

/** The master name the Sentinels monitor. */
export const MASTER_NAME = 'celeriac-test';

/** A running Sentinel deployment. */
export interface SentinelSetup {
  /** kombu's form: `sentinel://127.0.0.1:p1;sentinel://127.0.0.1:p2;…/0?master_name=…`. */
  readonly url: string;
  readonly master: ServerProcess;
  readonly replica: ServerProcess;
  readonly sentinels: readonly ServerProcess[];
  /** The port of the master the Sentinels name now. */
  currentMasterPort(): Promise<number>;
  /** Kill everything and remove the directories. */
  dispose(): Promise<void>;
}

/** Start the deployment; everything started is killed when a later step fails. */
export async function startSentinelSetup(): Promise<SentinelSetup> {
  const dir = tempDir('sentinel');
  const [mPort, rPort, ...sPorts] = await freePorts(5);
  const started: ServerProcess[] = [];
  const dispose = async () => {
    for (const server of started.reverse()) await server.kill();
    dir.remove();
  };
  try {
    const master = await startServer(mPort!, [
      ...baseArgs(mPort!, dir.dir),
      '--dbfilename',
      'm.rdb',
    ]);
    started.push(master);
    const replica = await startServer(rPort!, [
      ...baseArgs(rPort!, dir.dir),
      '--dbfilename',
      'r.rdb',
      '--replicaof',
      '127.0.0.1',
      String(mPort),
    ]);
    started.push(replica);
    // A replica promoted before its first sync would come up empty: wait for the link.
    const r = new Redis({ port: rPort!, lazyConnect: true });
    try {
      await r.connect();
      await waitFor(async () => (await r.info('replication')).includes('master_link_status:up'), {
        timeoutMs: 20_000,
        intervalMs: 100,
        description: 'the replica to sync',
      });
    } finally {
      r.disconnect();
    }
    const sentinels: ServerProcess[] = [];
    for (const port of sPorts) {
      const conf = join(dir.dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir.dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${mPort} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 4000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      const sentinel = await startServer(port, [conf, '--sentinel']);
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    const probe = new Redis({ port: sPorts[0]!, lazyConnect: true });
    try {
      await probe.connect();
      // Every Sentinel sees the others and the replica, so a quorum can fail over.
      await waitFor(
        async () => {
          const replicas = (await probe.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[];
          const others = (await probe.call('SENTINEL', 'SENTINELS', MASTER_NAME)) as unknown[];
          return replicas.length === 1 && others.length === 2;
        },
        { timeoutMs: 20_000, intervalMs: 200, description: 'sentinels to discover each other' },
      );
    } finally {
      probe.disconnect();
    }
    const url =
      sPorts.map((p) => `sentinel://127.0.0.1:${p}`).join(';') + `/0?master_name=${MASTER_NAME}`;
    return {
      url,
      master,
      replica,
      sentinels,
      currentMasterPort: async () => {
        const s = new Redis({ port: sPorts[1]!, lazyConnect: true });
        try {
          await s.connect();
          const addr = (await s.call(
            'SENTINEL',
            'GET-MASTER-ADDR-BY-NAME',
            MASTER_NAME,
          )) as string[];
          return Number(addr[1]);
        } finally {
          s.disconnect();
        }
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
