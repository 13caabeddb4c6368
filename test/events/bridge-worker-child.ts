/**
 * Child process for test/events/events-sigkill.test.ts: a celeriac worker on Redis whose
 * only task is the publish bridge (`celeriac.publish`, acks late), fanning each event out
 * to three subscriptions (queues `sub-a`, `sub-b`, `sub-c`, nobody consuming them) with
 * a client on the same transport. Environment: BROKER_URL (redis:// or amqp://), RESULTS_URL (Redis), PREFIX
 * (Redis key prefix; on RabbitMQ the queue names' prefix), VISIBILITY (s, Redis),
 * CONCURRENCY. Prints `ready` once consuming; the test SIGKILLs it mid-fan-out.
 */
import { createAmqpTransport } from '@celeriac/amqp';
import { createClient, publishBridge } from '@celeriac/client';
import { PUBLISH_QUEUE, PUBLISH_TASK, defineSubscription } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const prefix = env('PREFIX');
const amqp = env('BROKER_URL').startsWith('amqp');
// RabbitMQ has no key prefix: the test's queues carry it in their names instead.
const q = (name: string) => (amqp ? `${prefix}${name}` : name);
const transport = amqp
  ? createAmqpTransport(env('BROKER_URL'))
  : createRedisTransport(env('BROKER_URL'), {
      globalKeyprefix: prefix,
      visibilityTimeout: Number(env('VISIBILITY')),
      // A killed worker may have held the restore lock: let it lapse quickly.
      unackedMutexExpire: 1,
      prioritySteps: [0],
    });
const backend = createRedisResultBackend(env('RESULTS_URL'), {
  keyPrefix: prefix,
  resultExpires: 600,
});
const client = createClient({
  transport,
  subscriptions: ['a', 'b', 'c'].map((s) =>
    defineSubscription('shop.order.*', `shop.sub_${s}`, { queue: q(`sub-${s}`) }),
  ),
  taskDefaults: { ignoreResult: true },
});
const worker = createWorker({
  transport,
  backend,
  queues: [q(PUBLISH_QUEUE)],
  concurrency: Number(env('CONCURRENCY')),
  hostname: `bridge-${process.pid}@test`,
  logger: silentLogger,
  control: false,
  tasks: [
    implementTask(PUBLISH_TASK, publishBridge(client), { acksLate: true, ignoreResult: true }),
  ],
});
await worker.start();
process.stdout.write('ready\n');
