/**
 * Redis Cluster (issue 18): three masters and three replicas on private ports. ~1,000
 * acks-late tasks flow through one worker on a `redis+cluster://` URL (transport and
 * result backend). One test SIGKILLs the master serving the queue's slot mid-run (its
 * replica takes over); the other migrates the queue's slot to another master mid-run.
 * Each prints its figures as a JSON line.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeTaskMessage } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import type { ClusterSetup } from './redis-cluster-setup.js';
import type { ServerProcess } from './redis-servers.js';
import { startClusterSetup } from './redis-cluster-setup.js';
import { runWorkload } from './redis-workload.js';

let setup: ClusterSetup | undefined;

afterEach(async () => {
  await setup?.dispose();
  setup = undefined;
});

describe('Redis Cluster', () => {
  it('keeps every confirmed task when the master of the queue’s slot is killed', async () => {
    setup = await startClusterSetup();
    const s = setup;
    const queue = 'cluster.failover';
    let killed: ServerProcess | undefined;
    const figures = await runWorkload({
      url: s.url,
      queue,
      tasks: 1000,
      disruptAfter: 400,
      disrupt: async (mark) => {
        killed = await s.masterOf(`{${queue}}`);
        mark();
        await killed.kill();
        await s.waitHealthy();
      },
      deadlineMs: 40_000,
    });
    console.log(JSON.stringify({ test: 'redis-cluster-failover', ...figures }));
    // The queue's slot moved to the promoted replica.
    expect((await s.masterOf(`{${queue}}`)).port).not.toBe(killed!.port);
    expect(figures.confirmed).toBe(1000);
    expect(figures.lost).toBe(figures.lostInReplicationWindow);
    expect(figures.lost).toBeLessThanOrEqual(5);
    expect(figures.resumeMs).toBeLessThan(15_000);
    expect(figures.resultsStored).toBeGreaterThanOrEqual(990 - figures.lost);
  }, 110_000);

  it('keeps every confirmed task while the queue’s slot migrates to another master', async () => {
    setup = await startClusterSetup();
    const s = setup;
    const queue = 'cluster.migrating';
    const tag = `{${queue}}`;
    let from: ServerProcess | undefined;
    let to: ServerProcess | undefined;
    let moved = 0;
    const figures = await runWorkload({
      url: s.url,
      queue,
      tasks: 1000,
      disruptAfter: 300,
      // Slower tasks than the publish pace: a backlog and held messages exist to migrate.
      taskMs: 80,
      disrupt: async (mark) => {
        from = await s.masterOf(tag);
        const masters = await Promise.all(
          s.nodes.map(async (n) => ({ n, role: await s.cli(n.port, 'role') })),
        );
        to = masters.find(({ n, role }) => n !== from && role.startsWith('master'))!.n;
        const slot = await s.cli(from.port, 'cluster', 'keyslot', tag);
        const fromId = await s.cli(from.port, 'cluster', 'myid');
        const toId = await s.cli(to.port, 'cluster', 'myid');
        mark();
        await s.cli(to.port, 'cluster', 'setslot', slot, 'importing', fromId);
        await s.cli(from.port, 'cluster', 'setslot', slot, 'migrating', toId);
        // Move the slot's keys one at a time with pauses, so tasks flow while the slot is
        // split between two masters (ASK redirections, TRYAGAIN for split scripts).
        for (;;) {
          await sleep(300);
          const keys = (await s.cli(from.port, 'cluster', 'getkeysinslot', slot, '1'))
            .split('\n')
            .filter((k) => k !== '');
          if (keys.length === 0) break;
          await s.cli(
            from.port,
            'migrate',
            '127.0.0.1',
            String(to.port),
            '',
            '0',
            '5000',
            'keys',
            ...keys,
          );
          moved += keys.length;
        }
        // The documented order: the target first, then the source, then the others.
        const rest = masters.filter(
          (m) => m.n !== from && m.n !== to && m.role.startsWith('master'),
        );
        for (const node of [to, from, ...rest.map((m) => m.n)]) {
          await s.cli(node.port, 'cluster', 'setslot', slot, 'node', toId);
        }
      },
      deadlineMs: 40_000,
    });
    console.log(
      JSON.stringify({ test: 'redis-cluster-slot-migration', keysMoved: moved, ...figures }),
    );
    expect((await s.masterOf(tag)).port).toBe(to!.port);
    expect(moved).toBeGreaterThan(0);
    expect(figures.confirmed).toBe(1000);
    // Nothing fails over here: no confirmed write can be lost.
    expect(figures.lost).toBe(0);
    expect(figures.resultsStored).toBe(1000);
  }, 110_000);

  it('keeps chord counters in one slot: a chord completes once, on its last part', async () => {
    setup = await startClusterSetup();
    await using backend = createRedisResultBackend(setup.url);
    const group = randomUUID();
    await backend.setChordSize(group, 3);
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await backend.chordPartReturned(group, {
          taskId: randomUUID(),
          groupIndex: i,
          status: 'SUCCESS',
          result: i * 10,
        }),
      );
    }
    expect(outcomes.map((o) => o.complete)).toEqual([false, false, true]);
    const last = outcomes[2]!;
    expect(last.complete && last.parts.map((p) => p.result)).toEqual([0, 10, 20]);

    // Queue administration across slots: bindings, lengths, purge, delete.
    await using transport = createRedisTransport(setup.url);
    await transport.declareExchange({ name: 'admin', type: 'direct' });
    for (const queue of ['admin.a', 'admin.b']) {
      await transport.declareQueue({ name: queue, autoDelete: true });
      await transport.bindQueue({ queue, exchange: 'admin', routingKey: queue });
      for (let i = 0; i < 3; i++) {
        const message = encodeTaskMessage({ headers: { task: 't', id: randomUUID() } });
        await transport.publish(message, { exchange: 'admin', routingKey: queue });
      }
    }
    expect(await transport.queueLength('admin.a')).toBe(3);
    expect(await transport.purgeQueue('admin.a')).toBe(3);
    await transport.deleteQueue('admin.b');
    expect(await transport.queueLength('admin.b')).toBe(0);
  }, 60_000);
});
