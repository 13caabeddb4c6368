/**
 * celeriac for `npm run bench:redis`: the Redis transport publishes the no-op task
 * message (a task id of its own each), then one `createWorker` (acks-late, prefetch =
 * concurrency × 4) drains the queue; done when every task ran and every ack reached Redis
 * (and, with results, every result is in Redis). Also enqueue→start latency at a paced
 * rate: each task compares its start time with the send time in its args.
 */
import { Redis } from 'ioredis';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import type { RedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import type { SystemResult } from './redis-bench-common.js';
import {
  CONCURRENCY,
  NOOP_TASK,
  REDIS_URL,
  benchPrefix,
  deletePrefix,
  drained,
  noopMessage,
  nowMs,
  paced,
  profiled,
  until,
} from './redis-bench-common.js';

/** Options of one celeriac run. */
export interface CeleriacRunOptions {
  /** The system name on the output line. */
  system: string;
  /** Store each result (SETEX + PUBLISH) as Celery does by default. */
  results?: boolean;
  /** Worker concurrency (prefetch is four times it); 50 unless given. */
  concurrency?: number;
  /** The task's positional arguments, or a function giving each message's (payload runs). */
  args?: unknown[] | (() => unknown[]);
}

function worker(
  prefix: string,
  queue: string,
  handler: (ctx: unknown, ...args: unknown[]) => unknown,
  results: boolean,
  concurrency = CONCURRENCY,
) {
  const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
  const backend = createRedisResultBackend(REDIS_URL, { keyPrefix: prefix, resultExpires: 600 });
  const w = createWorker({
    transport,
    backend,
    queues: [queue],
    concurrency,
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

/** Publish `count` messages, each with a task id of its own. */
export async function publishAll(
  producer: RedisTransport,
  queue: string,
  count: number,
  args: unknown[] | (() => unknown[]) = [],
): Promise<void> {
  for (let sent = 0; sent < count; sent += 1000) {
    const batch = Math.min(1000, count - sent);
    await Promise.all(
      Array.from({ length: batch }, () =>
        producer.publish(noopMessage(typeof args === 'function' ? args() : args), {
          exchange: '',
          routingKey: queue,
        }),
      ),
    );
  }
}

/** celeriac throughput: publish `tasks`, then drain with one worker. */
export async function celeriacThroughput(
  options: CeleriacRunOptions,
  tasks: number,
): Promise<SystemResult> {
  const prefix = benchPrefix('celeriac');
  const queue = 'bench';
  const results = options.results ?? false;
  const producer = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
  const redis = new Redis(REDIS_URL);
  try {
    const start = performance.now();
    await publishAll(producer, queue, tasks, options.args);
    const publishPerSecond = tasks / ((performance.now() - start) / 1000);
    let ran = 0;
    const w = worker(prefix, queue, () => void ran++, results, options.concurrency);
    const drainStart = performance.now();
    await profiled(options.system, async () => {
      await w.worker.start();
      await until(() => ran >= tasks);
      // Acks-late: the run ends when the last ack is in Redis (a result is stored first).
      await until(async () => (await redis.hlen(`${prefix}unacked`)) === 0, 1);
    });
    const drainSeconds = (performance.now() - drainStart) / 1000;
    await w.close();
    const stored = results ? await storedResults(redis, prefix) : tasks;
    if (stored !== tasks)
      throw new Error(`${options.system}: ${stored} of ${tasks} results stored`);
    return drained(options.system, tasks, publishPerSecond, drainSeconds);
  } finally {
    await producer.close();
    redis.disconnect();
    await deletePrefix(prefix);
  }
}

/** How many results are stored under `prefix` (DBSIZE would count other users' keys). */
async function storedResults(redis: Redis, prefix: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${prefix}celery-task-meta-*`,
      'COUNT',
      10_000,
    );
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
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
  try {
    await w.worker.start();
    await producer.connect();
    await paced(count, perSecond, () => {
      void producer.publish(noopMessage([nowMs()]), { exchange: '', routingKey: queue });
    });
    await until(() => samples.length >= count);
    return samples;
  } finally {
    await w.close();
    await producer.close();
    await deletePrefix(prefix);
  }
}
