/**
 * The workers of `dashboard.bench.ts`: `WORKERS` celeriac workers in this process, each
 * with its own connections, events on, consuming `QUEUE` with a no-op task (results
 * ignored). Prints `ready` once all consume.
 */
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, type Worker } from '@celeriac/worker';

const url = process.env['REDIS_URL']!;
const count = Number(process.env['WORKERS'] ?? 10);
const quiet = () => undefined;
const silent = { debug: quiet, info: quiet, warn: quiet, error: (m: string) => console.error(m) };
const workers: Worker[] = [];
for (let i = 1; i <= count; i++) {
  workers.push(
    createWorker({
      transport: createRedisTransport(url),
      backend: createRedisResultBackend(url),
      ownTransport: true,
      ownBackend: true,
      hostname: `bench-${process.pid}-${i}@dashboard-bench`,
      queues: [process.env['QUEUE']!],
      concurrency: 20,
      events: true,
      logger: silent,
      tasks: [
        implementTask('bench.noop', () => null, { ignoreResult: true }),
        implementTask('bench.probe', (_ctx, n: number) => n),
      ],
    }),
  );
}
await Promise.all(workers.map((w) => w.start()));
console.log('ready');
process.once('SIGTERM', () => {
  void Promise.all(workers.map((w) => w.stop())).finally(() => process.exit(0));
});
