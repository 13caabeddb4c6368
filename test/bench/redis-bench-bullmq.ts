/**
 * BullMQ for `npm run bench:redis`: `addBulk` of the same task content (headers + args as
 * job data, a task id of its own each), then a Worker with concurrency 50 and a no-op
 * processor, timed until every job completed. `bullmq` removes completed jobs
 * (`removeOnComplete`), `bullmq.results` keeps them with their return value
 * (`removeOnComplete: false`, BullMQ's way of storing results). Also enqueue→start
 * latency at a paced rate.
 */
import { Queue, Worker } from 'bullmq';
import type { SystemResult } from './redis-bench-common.js';
import {
  CONCURRENCY,
  REDIS_URL,
  benchPrefix,
  deletePrefix,
  drained,
  noopMessage,
  nowMs,
  paced,
  until,
} from './redis-bench-common.js';

function connection() {
  const url = new URL(REDIS_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
    maxRetriesPerRequest: null,
  };
}

function jobData(args: unknown[] = []) {
  const message = noopMessage(args);
  return { headers: message.headers, args, kwargs: {} };
}

/** BullMQ throughput: publish `tasks`, then drain with one worker. */
export async function bullmqThroughput(results: boolean, tasks: number): Promise<SystemResult> {
  const prefix = benchPrefix('bullmq').slice(0, -1);
  const name = 'noop';
  const queue = new Queue(name, { connection: connection(), prefix });
  try {
    const start = performance.now();
    for (let sent = 0; sent < tasks; sent += 1000) {
      const count = Math.min(1000, tasks - sent);
      await queue.addBulk(
        Array.from({ length: count }, () => ({
          name,
          data: jobData(),
          opts: { removeOnComplete: !results },
        })),
      );
    }
    const publishPerSecond = tasks / ((performance.now() - start) / 1000);
    let done = 0;
    // The processor returns what celeriac's no-op returns (None): BullMQ stores it.
    const worker = new Worker(name, () => Promise.resolve(null), {
      connection: connection(),
      prefix,
      concurrency: CONCURRENCY,
      autorun: false,
    });
    worker.on('completed', () => void done++);
    const drainStart = performance.now();
    void worker.run();
    await until(() => done >= tasks);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    await worker.close();
    if (results) {
      const kept = await queue.getCompletedCount();
      if (kept !== tasks) throw new Error(`bullmq.results: ${kept} of ${tasks} jobs kept`);
    }
    const system = results ? 'bullmq.results' : 'bullmq';
    return drained(system, tasks, publishPerSecond, drainSeconds);
  } finally {
    await queue.close();
    await deletePrefix(prefix);
  }
}

/** BullMQ enqueue→start latency samples (ms) at `perSecond` offered. */
export async function bullmqLatency(count: number, perSecond: number): Promise<number[]> {
  const prefix = benchPrefix('bullmq-lat').slice(0, -1);
  const name = 'latency';
  const samples: number[] = [];
  const worker = new Worker(
    name,
    (job) => {
      samples.push(nowMs() - (job.data as { args: [number] }).args[0]);
      return Promise.resolve(null);
    },
    { connection: connection(), prefix, concurrency: CONCURRENCY, removeOnComplete: { count: 0 } },
  );
  const queue = new Queue(name, { connection: connection(), prefix });
  try {
    await worker.waitUntilReady();
    await queue.waitUntilReady();
    await paced(count, perSecond, () => {
      void queue.add(name, jobData([nowMs()]), { removeOnComplete: true });
    });
    await until(() => samples.length >= count);
    return samples;
  } finally {
    await worker.close();
    await queue.close();
    await deletePrefix(prefix);
  }
}
