/**
 * Three `@celeriac/beat` replicas on the RabbitMQ coordination (shared broker, a namespace
 * and a queue of their own), a 1-second entry, the leader's connection closed twice along
 * the way (from the broker's side the same as a SIGKILL: the connection is gone without a
 * release): every tick is sent once (counted by the scheduled time the message carries),
 * and no gap between ticks is longer than the failover bound (`leaseMs + pollEveryMs`).
 */
import { randomUUID } from 'node:crypto';
import { createAmqpBeatCoordination, createAmqpTransport } from '@celeriac/amqp';
import type { AmqpBeatCoordination } from '@celeriac/amqp';
import { BeatRole, createBeat } from '@celeriac/beat';
import type { Beat } from '@celeriac/beat';
import { createClient } from '@celeriac/client';
import { sleep, waitFor } from '@celeriac/testing';
import { describe, expect, it } from 'vitest';
import { deleteBeatQueues } from './amqp-beat-queues.js';

const url = process.env.CELERIAC_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
const LEASE_MS = 3_000;
const POLL_MS = 1_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('beat replicas on the RabbitMQ coordination', () => {
  it('send each tick once across two leader losses, with no gap beyond the bound', async () => {
    const namespace = `beat-replicas-${randomUUID()}`;
    const queue = `beat-replicas-${randomUUID()}`;
    const transport = createAmqpTransport(url, { logger: { warn: () => undefined } });
    await transport.declareQueue({ name: queue });
    const scheduled: string[] = [];
    await transport.consume(
      [queue],
      (delivery) => {
        scheduled.push(String(delivery.message.headers['periodic_task_scheduled_at']));
        void delivery.ack();
      },
      { prefetch: 50 },
    );
    const client = createClient({ transport });
    const replicas: { beat: Beat; coordination: AmqpBeatCoordination }[] = [];
    const startReplica = async () => {
      const coordination = createAmqpBeatCoordination(url, { namespace });
      const beat = createBeat({
        client,
        coordination,
        schedule: { tick: { task: 'beat.tick', schedule: 1, options: { queue } } },
        leaseMs: LEASE_MS,
        pollEveryMs: POLL_MS,
        logger: quiet,
      });
      await beat.start();
      replicas.push({ beat, coordination });
    };
    const killLeader = async () => {
      const leader = await waitFor(() => replicas.find((r) => r.beat.role === BeatRole.leader), {
        timeoutMs: LEASE_MS * 3,
        description: 'a leader',
      });
      replicas.splice(replicas.indexOf(leader), 1);
      await leader.coordination.close();
      await leader.beat.stop();
    };
    try {
      for (let i = 0; i < 3; i++) await startReplica();
      await sleep(6_000);
      await killLeader();
      await startReplica();
      await sleep(6_000);
      await killLeader();
      await sleep(6_000);
      const leaders = replicas.filter((r) => r.beat.role === BeatRole.leader);
      const times = scheduled.map((s) => Date.parse(s));
      const unique = new Set(times);
      let maxGapMs = 0;
      const sorted = [...unique].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++)
        maxGapMs = Math.max(maxGapMs, sorted[i]! - sorted[i - 1]!);
      console.log(
        JSON.stringify({
          test: 'amqp-beat-replicas',
          sent: times.length,
          distinctTicks: unique.size,
          maxGapMs,
          boundMs: LEASE_MS + POLL_MS,
        }),
      );
      expect(leaders).toHaveLength(1);
      expect(times.length).toBe(unique.size);
      expect(unique.size).toBeGreaterThanOrEqual(12);
      expect(maxGapMs).toBeLessThanOrEqual(LEASE_MS + POLL_MS);
    } finally {
      for (const r of replicas) {
        await r.beat.stop();
        await r.coordination.close();
      }
      await client.close();
      await transport.deleteQueue(queue);
      await transport.close();
      await deleteBeatQueues(url, [namespace]);
    }
  }, 60_000);
});
