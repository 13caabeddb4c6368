/**
 * celeriac for `npm run bench:redis`: the Redis transport publishes the no-op task
 * message, then one `createWorker` (acks-late, concurrency 50, prefetch 200) drains the
 * queue; done when every task ran and every ack reached Redis. Also enqueue→start
 * latency at a paced rate: each task compares its start time with the send time in its
 * args.
 */
import { Redis } from 'ioredis';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import type { RedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import type { SystemResult } from './redis-bench-common.js';
import {
  CONCURRENCY,
  NOOP_TASK,
  PREFETCH,
  REDIS_URL,
  TASKS,
  benchPrefix,
  deletePrefix,
  noopMessage,
  nowMs,
  paced,
  until,
} from './redis-bench-common.js';

/** Options of one celeriac run. */
export interface CeleriacRunOptions {
  /** Store each result (SETEX + PUBLISH) as Celery does by default. */
  results: boolean;
}

function worker(
  prefix: string,
  queue: string,
  handler: (ctx: unknown, ...args: unknown[]) => unknown,
  results: boolean,
) {
  const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
  const backend = createRedisResultBackend(REDIS_URL, { keyPrefix: prefix, resultExpires: 600 });
  const w = createWorker({
    transport,
    backend,
    queues: [queue],
    concurrency: CONCURRENCY,
    logger: silentLogger,
    control: false,
    hostname: `bench-${prefix}@local`,
    tasks: [implementTask(NOOP_TASK, handler, { acksLate: true, ignoreResult: !results })],
  });
  return {
    worker: w,
    async close() {
      await w.stop();
      await transport.close();
      await backend.close();
    },
  };
}

async function publishAll(producer: RedisTransport, queue: string, count: number) {
  const message = noopMessage();
  for (let sent = 0; sent < count; sent += 1000) {
    const batch = Math.min(1000, count - sent);
    await Promise.all(
      Array.from({ length: batch }, () =>
        producer.publish(message, { exchange: '', routingKey: queue }),
      ),
    );
  }
}

/** celeriac throughput: publish, then drain with one worker. */
export async function celeriacThroughput(
  options: CeleriacRunOptions,
  tasks = TASKS,
): Promise<SystemResult> {
  const prefix = benchPrefix('celeriac');
  const queue = 'bench';
  const producer = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
  const start = performance.now();
  await publishAll(producer, queue, tasks);
  const publishPerSecond = tasks / ((performance.now() - start) / 1000);
  const redis = new Redis(REDIS_URL);
  let ran = 0;
  const w = worker(prefix, queue, () => void ran++, options.results);
  const drainStart = performance.now();
  await w.worker.start();
  await until(() => ran >= tasks);
  // Acks-late: the run ends when the last ack is in Redis.
  await until(async () => (await redis.hlen(`${prefix}unacked`)) === 0, 1);
  const drainSeconds = (performance.now() - drainStart) / 1000;
  await w.close();
  await producer.close();
  redis.disconnect();
  await deletePrefix(prefix);
  return {
    system: options.results ? 'celeriac.results' : 'celeriac',
    publishPerSecond,
    drainSeconds,
    tasksPerSecond: tasks / drainSeconds,
  };
}

/** celeriac enqueue→start latency samples (ms) at `perSecond` offered. */
export async function celeriacLatency(count: number, perSecond: number): Promise<number[]> {
  const prefix = benchPrefix('celeriac-lat');
  const queue = 'latency';
  const samples: number[] = [];
  const producer = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
  const w = worker(
    prefix,
    queue,
    (_ctx, sentAt) => void samples.push(nowMs() - Number(sentAt)),
    false,
  );
  await w.worker.start();
  await producer.connect();
  await paced(count, perSecond, () => {
    void producer.publish(noopMessage([nowMs()]), { exchange: '', routingKey: queue });
  });
  await until(() => samples.length >= count);
  await w.close();
  await producer.close();
  await deletePrefix(prefix);
  return samples;
}

/**
 * The transport alone (no worker): consume with the worker's prefetch and ack each
 * delivery at once — what `@celeriac/redis` costs on top of the raw pattern.
 */
export async function transportThroughput(tasks = TASKS): Promise<SystemResult> {
  const prefix = benchPrefix('celeriac-transport');
  const queue = 'bench';
  const producer = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
  const start = performance.now();
  await publishAll(producer, queue, tasks);
  const publishPerSecond = tasks / ((performance.now() - start) / 1000);
  const consumer = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
  let acked = 0;
  const drainStart = performance.now();
  await consumer.consume([queue], (delivery) => void delivery.ack().then(() => void acked++), {
    prefetch: PREFETCH,
  });
  await until(() => acked >= tasks);
  const drainSeconds = (performance.now() - drainStart) / 1000;
  await consumer.close();
  await producer.close();
  await deletePrefix(prefix);
  return {
    system: 'celeriac.transport',
    publishPerSecond,
    drainSeconds,
    tasksPerSecond: tasks / drainSeconds,
  };
}
