/**
 * A celeriac worker process for `rabbitmq-netns.test.ts`, run inside a network namespace:
 * it consumes `NETNS_QUEUE` from `NETNS_BROKER` with acks-late tasks that take
 * `NETNS_TASK_MS`, and prints one JSON line per event (ready, start, done, status).
 */
import { createAmqpTransport } from '@celeriac/amqp';
import { createMemoryResultBackend } from '@celeriac/memory';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';

const name = process.env.NETNS_NAME ?? 'worker';
const url = process.env.NETNS_BROKER ?? '';
const queue = process.env.NETNS_QUEUE ?? '';
const taskMs = Number(process.env.NETNS_TASK_MS ?? '1000');
const emit = (event: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ worker: name, at: Date.now(), ...event })}\n`);

const transport = createAmqpTransport(url, {
  heartbeatSeconds: 2,
  reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 },
  operationTimeoutMs: 120_000,
  connectTimeoutMs: 2_000,
  logger: { warn: (line: string) => emit({ event: 'log', line }) },
});
transport.onStatus((e) => emit({ event: 'status', status: e.status }));
const worker = createWorker({
  transport,
  backend: createMemoryResultBackend(`memory://${name}`),
  tasks: [
    implementTask(
      'netns.work',
      async (ctx) => {
        emit({ event: 'start', id: ctx.taskId });
        await new Promise((resolve) => setTimeout(resolve, taskMs));
        emit({ event: 'done', id: ctx.taskId });
        return null;
      },
      { acksLate: true },
    ),
  ],
  queues: [queue],
  concurrency: 2,
  prefetchMultiplier: 1,
  control: false,
  logger: silentLogger,
  hostname: `${name}@netns`,
});
await worker.start();
emit({ event: 'ready' });
process.once('SIGTERM', () => {
  void worker.stop({ mode: 'cold' }).finally(() => process.exit(0));
});
