/**
 * Issue 20's fan-out on the real brokers: one `shop.order.created` event, three
 * subscriptions (two on the event, one on the pattern `shop.order.*`) and one that does
 * not match → three tasks, each run once by a celeriac worker, each seeing the event id.
 * On Redis (a key prefix of the test's own) and on RabbitMQ (queue names of the test's
 * own, deleted afterwards); results in Redis. memory:// is test/events/events-memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AmqpTransport, createAmqpTransport } from '@celeriac/amqp';
import { createClient } from '@celeriac/client';
import {
  defineEvent,
  defineSubscription,
  readMessageHeader,
  uuid4,
  type MessageHeader,
  type Transport,
} from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import { TEST_REDIS_URL, deleteRedisKeys } from '../support/redis-keys.js';

const AMQP_URL = process.env['CELERIAC_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';
const orderCreated = defineEvent(
  'shop.order.created',
  z.object({ orderId: z.string(), total: z.number() }),
);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const brokers: { name: string; make: (prefix: string) => Transport }[] = [
  {
    name: 'Redis',
    make: (prefix) => createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix }),
  },
  { name: 'RabbitMQ', make: () => createAmqpTransport(AMQP_URL) },
];

describe.each(brokers)('events on $name', ({ make }) => {
  it('fans one event out to three subscriptions (one a pattern): three tasks, each once', async () => {
    const id = uuid4().slice(0, 8);
    const prefix = `celeriac-evb-${id}:`;
    const queue = (name: string) => `ev-${id}-${name}`;
    const names = ['shop.email', 'shop.sms', 'shop.analytics', 'shop.audit'];
    const queues = ['email', 'sms', 'analytics', 'audit'].map(queue);
    const calls: { task: string; header: MessageHeader | undefined; payload: unknown }[] = [];
    const workerTransport = make(prefix);
    const clientTransport = make(prefix);
    const backend = createRedisResultBackend(TEST_REDIS_URL, { keyPrefix: prefix });
    const worker = createWorker({
      transport: workerTransport,
      backend: createRedisResultBackend(TEST_REDIS_URL, { keyPrefix: prefix }),
      ownBackend: true,
      tasks: names.map((task) =>
        implementTask(task, (ctx, payload: unknown) => {
          calls.push({ task, header: readMessageHeader(ctx.headers), payload });
          return task;
        }),
      ),
      queues,
      logger: silentLogger,
      control: false,
    });
    const client = createClient({
      transport: clientTransport,
      backend,
      subscriptions: [
        defineSubscription(orderCreated, 'shop.email', { queue: queues[0]! }),
        defineSubscription(orderCreated, 'shop.sms', { queue: queues[1]! }),
        defineSubscription('shop.order.*', 'shop.analytics', { queue: queues[2]! }),
        defineSubscription('payment.#', 'shop.audit', { queue: queues[3]! }),
      ],
    });
    cleanups.push(async () => {
      await client.close();
      await worker.stop();
      for (const q of queues) {
        await clientTransport.deleteQueue(q).catch(() => undefined);
        // Celery's Queue(name) comes with a direct exchange of the same name.
        if (clientTransport instanceof AmqpTransport) {
          await clientTransport.deleteExchange(q).catch(() => undefined);
        }
      }
      await clientTransport.close();
      await workerTransport.close();
      await backend.close();
      await deleteRedisKeys(prefix);
    });
    await worker.start();

    const payload = { orderId: 'A-1001', total: 59.9 };
    const published = await client.publish(orderCreated, payload);
    expect(published.tasks.map((t) => t.task)).toEqual(names.slice(0, 3));
    const results = await Promise.all(
      published.tasks.map((t) => t.result.get({ timeoutMs: 10_000 })),
    );
    expect(results).toEqual(names.slice(0, 3));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls.map((c) => c.task).sort()).toEqual(names.slice(0, 3).sort());
    for (const call of calls) {
      expect(call.payload).toEqual(payload);
      expect(call.header).toMatchObject({ id: published.id, name: 'shop.order.created' });
    }
    for (const q of queues) expect(await clientTransport.queueLength(q)).toBe(0);
  }, 60_000);
});
