/**
 * Events fanned out to 1, 3 and 10 subscriptions, on Redis and on RabbitMQ side by side in
 * one run (the local brokers), one JSON line per figure, each with `loadavg`:
 *
 * - `publishEventsPerSec`: `client.publish` of BENCH_EVENTS events (BENCH_WINDOW publishes
 *   in flight), each fanned out to every subscription (one task message per subscription,
 *   to its own queue), while the worker consumes;
 * - `deliveredTasksPerSec`: end to end, from the first publish until the worker (one, in
 *   this process, concurrency 50, no-op tasks, results ignored) has run every task;
 * - a `summary` line per subscription count: RabbitMQ ÷ Redis for both, and for each
 *   broker the fan-out cost (events/s at N ÷ events/s at 1).
 *
 *   npm run bench:events        BENCH_EVENTS=2000 BENCH_WINDOW=200
 *
 * Brokers alternate per subscription count, so drift in the machine's load touches both.
 * Redis keys live under a prefix of the run's own, RabbitMQ queues have unique names; all
 * are deleted afterwards, even on failure.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { AmqpTransport, createAmqpTransport } from '@celeriac/amqp';
import { createClient } from '@celeriac/client';
import { createMemoryResultBackend } from '@celeriac/memory';
import { defineEvent, defineSubscription, type Transport } from '@celeriac/protocol';
import { createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import { z } from 'zod';
import { deleteRedisKeys } from '../support/redis-keys.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 2000);
const WINDOW = Number(process.env['BENCH_WINDOW'] ?? 200);
const FAN_OUTS = [1, 3, 10];
const CONCURRENCY = 50;
const RUN = randomUUID().slice(0, 8);
const PREFIX = `celeriac-bench-events-${RUN}:`;

const orderCreated = defineEvent(
  'bench.order.created',
  z.object({ orderId: z.string(), total: z.number() }),
);

interface Broker {
  name: 'redis' | 'rabbitmq';
  transport(): Transport;
}
const brokers: Broker[] = [
  {
    name: 'redis',
    transport: () => createRedisTransport(REDIS_URL, { globalKeyprefix: PREFIX }),
  },
  { name: 'rabbitmq', transport: () => createAmqpTransport(AMQP_URL) },
];

function line(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'events', ...fields, loadavg: loadavg() }));
}

/** Run `one(i)` for i < n with at most `window` in flight. */
async function pipelined(n: number, window: number, one: (i: number) => Promise<void>) {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
}

interface Figures {
  publishEventsPerSec: number;
  deliveredTasksPerSec: number;
}

/** Publish `events` events to `fanOut` subscriptions with a worker running all of them. */
async function run(broker: Broker, fanOut: number, events: number): Promise<Figures> {
  const id = randomUUID().slice(0, 8);
  const queues = Array.from({ length: fanOut }, (_, i) => `bench.ev.${RUN}.${id}.${i}`);
  const expected = events * fanOut;
  let ran = 0;
  let allRan: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allRan = resolve));
  const tasks = queues.map((_, i) =>
    implementTask(
      `bench.sub_${i}`,
      () => {
        if (++ran === expected) allRan();
      },
      { ignoreResult: true },
    ),
  );
  const workerTransport = broker.transport();
  const clientTransport = broker.transport();
  const worker = createWorker({
    transport: workerTransport,
    backend: createMemoryResultBackend(),
    tasks,
    queues,
    concurrency: CONCURRENCY,
    logger: silentLogger,
    control: false,
    hostname: `bench-events-${id}@bench`,
  });
  const client = createClient({
    transport: clientTransport,
    subscriptions: queues.map((queue, i) =>
      defineSubscription('bench.order.*', `bench.sub_${i}`, { name: `sub-${i}`, queue }),
    ),
    taskDefaults: { ignoreResult: true },
  });
  try {
    await worker.start();
    const start = performance.now();
    await pipelined(events, WINDOW, async (i) => {
      await client.publish(orderCreated, { orderId: `o-${i}`, total: i });
    });
    const published = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${broker.name}, ${fanOut} subscriptions: ${ran}/${expected} tasks ran in 120 s`,
            ),
          ),
        120_000,
      );
    });
    await Promise.race([done, stuck]).finally(() => clearTimeout(timer));
    const finished = performance.now();
    return {
      publishEventsPerSec: Math.round(events / ((published - start) / 1000)),
      deliveredTasksPerSec: Math.round(expected / ((finished - start) / 1000)),
    };
  } finally {
    await client.close();
    await worker.stop();
    for (const queue of queues) {
      await clientTransport.deleteQueue(queue).catch(() => undefined);
      if (clientTransport instanceof AmqpTransport) {
        await clientTransport.deleteExchange(queue).catch(() => undefined);
      }
    }
    await clientTransport.close();
    await workerTransport.close();
  }
}

async function main(): Promise<void> {
  // Warm up both paths (connections, JIT) before anything is measured.
  for (const broker of brokers) await run(broker, 1, Math.min(200, EVENTS));
  const results = new Map<string, Figures>();
  for (const fanOut of FAN_OUTS) {
    for (const broker of brokers) {
      const figures = await run(broker, fanOut, EVENTS);
      results.set(`${broker.name}/${fanOut}`, figures);
      line({
        broker: broker.name,
        subscriptions: fanOut,
        events: EVENTS,
        tasks: EVENTS * fanOut,
        window: WINDOW,
        concurrency: CONCURRENCY,
        ...figures,
      });
    }
  }
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  for (const fanOut of FAN_OUTS) {
    const redis = results.get(`redis/${fanOut}`)!;
    const rabbit = results.get(`rabbitmq/${fanOut}`)!;
    line({
      summary: true,
      subscriptions: fanOut,
      rabbitmqOverRedisPublish: ratio(rabbit.publishEventsPerSec, redis.publishEventsPerSec),
      rabbitmqOverRedisDelivered: ratio(rabbit.deliveredTasksPerSec, redis.deliveredTasksPerSec),
      redisPublishVsOne: ratio(
        redis.publishEventsPerSec,
        results.get('redis/1')!.publishEventsPerSec,
      ),
      rabbitmqPublishVsOne: ratio(
        rabbit.publishEventsPerSec,
        results.get('rabbitmq/1')!.publishEventsPerSec,
      ),
    });
  }
}

try {
  await main();
} finally {
  await deleteRedisKeys(PREFIX, [], REDIS_URL);
}
