/**
 * RabbitMQ restarted in the middle of a run of 2,000 acks-late tasks published with
 * publisher confirms: every confirmed task completes, and the worker, which was never
 * restarted, consumes again by itself (its connection actor goes degraded → healthy).
 *
 * The broker is a private node (`test/cluster/rabbitmq-node.ts`): the shared one at 5672 is
 * used by other test files in parallel and must not be stopped.
 */
import { randomUUID } from 'node:crypto';
import { createAmqpTransport } from '@celeriac/amqp';
import { createMemoryResultBackend } from '@celeriac/memory';
import { encodeTaskMessage } from '@celeriac/protocol';
import { waitFor } from '@celeriac/testing';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RabbitNode } from '../cluster/rabbitmq-node.js';

const TASKS = 2_000;
/** Publishes awaiting their confirm at once (a producer that pipelines, as a client does). */
const WINDOW = 20;
const quiet = { warn: () => undefined };
const fast = { initialDelayMs: 100, maxDelayMs: 1_000 };

let node: RabbitNode;
beforeAll(async () => {
  node = await RabbitNode.start({ name: 'restart' });
}, 90_000);
afterAll(async () => {
  await node.dispose();
}, 90_000);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('RabbitMQ restarted mid-run', () => {
  it('completes every confirmed acks-late task; the worker recovers without a restart', async () => {
    const queue = `reliability.${randomUUID()}`;
    const workerTransport = createAmqpTransport(node.url, {
      reconnect: fast,
      logger: quiet,
      operationTimeoutMs: 90_000,
    });
    const producer = createAmqpTransport(node.url, {
      reconnect: fast,
      logger: quiet,
      operationTimeoutMs: 90_000,
    });
    const backend = createMemoryResultBackend(`memory://${randomUUID()}`);
    const completions = new Map<string, number>();
    const worker = createWorker({
      transport: workerTransport,
      backend,
      tasks: [
        implementTask(
          'reliability.record',
          async (ctx) => {
            await sleep(2);
            completions.set(ctx.taskId, (completions.get(ctx.taskId) ?? 0) + 1);
            return null;
          },
          { acksLate: true },
        ),
      ],
      queues: [queue],
      concurrency: 20,
      control: false,
      logger: silentLogger,
      hostname: `reliability-${randomUUID()}@local`,
    });
    const transitions: string[] = [];
    const statuses: string[] = [];
    workerTransport.onStatus((e) => statuses.push(e.status));
    try {
      await worker.start();
      worker.tree.root.system.inspect((r) => {
        if (r.type === 'transition' && r.path.endsWith('/connection')) {
          transitions.push(`${r.from} → ${r.to}`);
        }
      });

      const confirmed = new Set<string>();
      const unconfirmed = new Map<string, unknown>();
      const ids = Array.from({ length: TASKS }, () => randomUUID());
      let next = 0;
      const publisher = async (): Promise<void> => {
        while (next < ids.length) {
          const id = ids[next++]!;
          const message = encodeTaskMessage({
            headers: { task: 'reliability.record', id, origin: 'reliability' },
          });
          try {
            await producer.publish(message, { exchange: '', routingKey: queue });
            confirmed.add(id);
          } catch (error) {
            unconfirmed.set(id, error);
          }
          // Offered at roughly 1,000/s so that the restart lands mid-run.
          await sleep(WINDOW);
        }
      };
      const publishing = Promise.all(Array.from({ length: WINDOW }, publisher));

      await waitFor(() => completions.size >= TASKS / 4, {
        timeoutMs: 30_000,
        description: 'a quarter of the tasks completed before the restart',
      });
      const stoppedAt = performance.now();
      const completedAtStop = completions.size;
      await node.stop();
      await node.boot();
      const downMs = Math.round(performance.now() - stoppedAt);

      await publishing;
      await waitFor(() => [...confirmed].every((id) => completions.has(id)), {
        timeoutMs: 60_000,
        description: 'every confirmed task completed',
      });

      const missing = [...confirmed].filter((id) => !completions.has(id));
      const duplicates = [...completions.values()].reduce((n, count) => n + count - 1, 0);
      console.log(
        JSON.stringify({
          test: 'amqp-restart',
          tasks: TASKS,
          confirmed: confirmed.size,
          unconfirmed: unconfirmed.size,
          completedAtStop,
          brokerDownMs: downMs,
          completed: completions.size,
          duplicates,
          workerTransportStatuses: statuses,
          connectionActor: transitions,
        }),
      );
      expect(missing).toEqual([]);
      // Publishes only wait out the outage (operationTimeoutMs), they do not fail.
      expect(unconfirmed.size).toBe(0);
      expect(confirmed.size).toBe(TASKS);
      expect(statuses).toContain('reconnecting');
      expect(statuses.at(-1)).toBe('connected');
      // The worker itself was never restarted: its connection actor degraded and recovered.
      expect(worker.state).toBe('running');
      expect(transitions.some((t) => /degraded$/.test(t))).toBe(true);
      expect(transitions.at(-1)).toMatch(/healthy$/);
      // Duplicates are bounded by what was unsettled or unconfirmed at the restart:
      // the prefetch (20 × 4) plus the publishes in flight (WINDOW).
      expect(duplicates).toBeLessThanOrEqual(20 * 4 + WINDOW);
    } finally {
      await worker.stop({ mode: 'cold' }).catch(() => undefined);
      await workerTransport.deleteQueue(queue).catch(() => undefined);
      await workerTransport.close();
      await producer.close();
      await backend.close();
    }
  }, 180_000);
});
