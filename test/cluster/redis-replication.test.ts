/**
 * `publishWaitReplicas` on a private master and replica: a publish resolves once the
 * replica has it; with the replica gone it rejects with a retryable `PublishError` that
 * says how many replicas answered (the message is on the master, not confirmed).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PublishError, encodeTaskMessage } from '@celeriac/protocol';
import { createRedisTransport } from '@celeriac/redis';
import { waitFor } from '@celeriac/testing';
import { Redis } from 'ioredis';
import type { ServerProcess } from './redis-servers.js';
import { baseArgs, freePorts, startServer, tempDir } from './redis-servers.js';

const dir = tempDir('replication');
const servers: ServerProcess[] = [];

afterAll(async () => {
  for (const server of servers.reverse()) await server.kill();
  dir.remove();
});

describe('Redis publish confirmed by a replica', () => {
  it('waits for a replica, and refuses to confirm when none answers', async () => {
    const [mPort, rPort] = await freePorts(2);
    servers.push(
      await startServer(mPort!, [...baseArgs(mPort!, dir.dir), '--dbfilename', 'm.rdb']),
    );
    const replica = await startServer(rPort!, [
      ...baseArgs(rPort!, dir.dir),
      '--dbfilename',
      'r.rdb',
      '--replicaof',
      '127.0.0.1',
      String(mPort),
    ]);
    servers.push(replica);
    const probe = new Redis({ port: rPort! });
    try {
      await waitFor(
        async () => (await probe.info('replication')).includes('master_link_status:up'),
        {
          timeoutMs: 20_000,
          description: 'the replica to sync',
        },
      );
    } finally {
      probe.disconnect();
    }
    await using transport = createRedisTransport(`redis://127.0.0.1:${mPort}/0`, {
      publishWaitReplicas: { replicas: 1, timeoutMs: 500 },
    });
    const message = () => encodeTaskMessage({ headers: { task: 't', id: crypto.randomUUID() } });
    await transport.publish(message(), { exchange: '', routingKey: 'replicated' });
    expect(await transport.queueLength('replicated')).toBe(1);

    await replica.kill();
    const started = performance.now();
    const error = await transport
      .publish(message(), { exchange: '', routingKey: 'replicated' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).retryable).toBe(true);
    expect((error as Error).message).toMatch(
      /^Redis took the message for replicated, but only 0 of 1 replicas have it after 500 ms/,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
  }, 60_000);
});
