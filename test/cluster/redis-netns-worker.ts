/**
 * Child process of the network-namespace test, run inside a worker namespace with
 * `ip netns exec`: a celeriac worker on BROKER_URL running the acks-late task
 * `netns.work(n)` (sleeps TASK_MS). It reports on stdout, which does not go through the
 * network: `ready`, `start <n>` and `done <n>` lines. Environment: BROKER_URL, QUEUE,
 * VISIBILITY (s), CONCURRENCY, TASK_MS, NAME.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const url = env('BROKER_URL');
const taskMs = Number(env('TASK_MS'));
const worker = createWorker({
  transport: createRedisTransport(url, {
    visibilityTimeout: Number(env('VISIBILITY')),
    prioritySteps: [0],
    unackedMutexExpire: 1,
    restoreIntervalMs: 500,
    // A cut link stalls TCP without an error: find out within seconds, not minutes.
    redis: { commandTimeout: 2000, keepAlive: 1000 },
  }),
  backend: createRedisResultBackend(url),
  queues: [env('QUEUE')],
  concurrency: Number(env('CONCURRENCY')),
  prefetchMultiplier: 1,
  hostname: `${env('NAME')}@netns`,
  logger: silentLogger,
  control: false,
  tasks: [
    implementTask(
      'netns.work',
      async (_ctx, n: number) => {
        process.stdout.write(`start ${n}\n`);
        await sleep(taskMs);
        process.stdout.write(`done ${n}\n`);
        return n;
      },
      { acksLate: true, ignoreResult: true },
    ),
  ],
});
await worker.start();
process.stdout.write('ready\n');
