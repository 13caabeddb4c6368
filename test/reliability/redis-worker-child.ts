/**
 * Child process for the Redis reliability tests: a celeriac worker (createWorker over
 * createRedisTransport + createRedisResultBackend) running one acks-late task,
 * `reliability.record`, which sleeps TASK_MS and then records its completion on the
 * *witness* Redis — `SADD <prefix>done <n>` and `HINCRBY <prefix>runs <n> 1` — before it
 * returns and its message is acked. The witness is a Redis outside the failure under
 * test, so a completion is never lost with the broker.
 *
 * Environment: BROKER_URL, WITNESS_URL, PREFIX, QUEUE, VISIBILITY (s), CONCURRENCY,
 * TASK_MS. Prints `ready` once consuming. Started by the tests as
 * `node --conditions=@celeriac/source --import tsx`, and killed with SIGKILL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const prefix = env('PREFIX');
const taskMs = Number(env('TASK_MS'));

const witness = new Redis(env('WITNESS_URL'), { maxRetriesPerRequest: null });
const transport = createRedisTransport(env('BROKER_URL'), {
  globalKeyprefix: prefix,
  visibilityTimeout: Number(env('VISIBILITY')),
  // A killed worker may have held the restore lock: let it lapse quickly.
  unackedMutexExpire: 1,
  prioritySteps: [0],
});
const backend = createRedisResultBackend(env('BROKER_URL'), {
  keyPrefix: prefix,
  resultExpires: 600,
});

const worker = createWorker({
  transport,
  backend,
  queues: [env('QUEUE')],
  concurrency: Number(env('CONCURRENCY')),
  hostname: `reliability-${process.pid}@test`,
  logger: silentLogger,
  control: false,
  tasks: [
    implementTask(
      'reliability.record',
      async (_ctx, n: number) => {
        await sleep(taskMs);
        await witness
          .multi()
          .sadd(`${prefix}done`, String(n))
          .hincrby(`${prefix}runs`, String(n), 1)
          .exec();
        return n;
      },
      { acksLate: true },
    ),
  ],
});
await worker.start();
process.stdout.write('ready\n');
