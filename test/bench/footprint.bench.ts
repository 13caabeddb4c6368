/**
 * Memory of a deployed worker (issue 21): a compiled app started by the built `celeriac`
 * bin — one process, the one measured — idle on memory://, Redis and RabbitMQ, then its
 * growth after 100,000 no-op tasks on Redis (a memory:// worker cannot be fed from
 * another process). For context, a bare `node` waiting on a timer in the same run.
 * Targets: idle ≤ 60 MB, growth ≤ 20 MB. One JSON line per figure, with `loadavg`.
 *
 *   npm run bench:footprint      BENCH_GROWTH_TASKS=100000 BENCH_SETTLE_MS=5000
 *                                BENCH_NO_BUILD=1 (use dist/ as it is)
 *                                BENCH_WORKER_NODE_FLAGS='--max-semi-space-size=2'
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { createApp } from 'celeriac';
import { deleteRedisKeys } from '../support/redis-keys.js';
import { BIN, buildApp, cpuSeconds, settledRss, startNode } from './footprint-support.js';

const REDIS_URL = process.env['CELERIAC_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';
const GROWTH_TASKS = Number(process.env['BENCH_GROWTH_TASKS'] ?? 100_000);
const SETTLE_MS = Number(process.env['BENCH_SETTLE_MS'] ?? 5_000);
/** Node flags for the worker's process, to compare V8 settings (none by default). */
const NODE_FLAGS = (process.env['BENCH_WORKER_NODE_FLAGS'] ?? '').split(/\s+/).filter(Boolean);
const IDLE_TARGET_MB = 60;
const GROWTH_TARGET_MB = 20;
/** Sends in flight at once while feeding the worker. */
const WINDOW = 500;

const round1 = (value: number) => Math.round(value * 10) / 10;
const load = () => loadavg().map((value) => Math.round(value * 100) / 100);
const report = (line: Record<string, unknown>) =>
  console.log(JSON.stringify({ ...line, loadavg: load() }));

const appPath = buildApp();

/** A worker of the app on `broker`, ready; `queue` and `prefix` keep it apart on shared brokers. */
async function startWorker(broker: string, queue: string, prefix: string) {
  // The CLI's defaults (log level info: a line per task, as a deployed worker prints).
  const worker = startNode([...NODE_FLAGS, BIN, 'worker', '-A', appPath, '-b', broker], {
    FOOTPRINT_QUEUE: queue,
    FOOTPRINT_PREFIX: prefix,
  });
  await worker.waitFor(/ready\./);
  return worker;
}

async function bare(): Promise<void> {
  const node = startNode(['-e', 'setInterval(() => {}, 1e3)']);
  try {
    const rss = await settledRss(node.pid, 2_000);
    report({ bench: 'footprint.idle', system: 'node.bare', rss_mb: round1(rss) });
  } finally {
    await node.stop();
  }
}

async function idle(system: string, broker: string): Promise<void> {
  const queue = `bench.footprint.${randomUUID()}`;
  const prefix = `celeriac-bench-footprint-${randomUUID().slice(0, 8)}:`;
  const worker = await startWorker(broker, queue, prefix);
  try {
    const rss = await settledRss(worker.pid, SETTLE_MS);
    report({
      bench: 'footprint.idle',
      system,
      rss_mb: round1(rss),
      target_mb: IDLE_TARGET_MB,
      met: rss <= IDLE_TARGET_MB,
    });
  } finally {
    await worker.stop();
    if (broker.startsWith('redis')) await deleteRedisKeys(prefix, [], REDIS_URL);
  }
}

async function growth(): Promise<void> {
  const queue = `bench.footprint.${randomUUID()}`;
  const prefix = `celeriac-bench-footprint-${randomUUID().slice(0, 8)}:`;
  const worker = await startWorker(REDIS_URL, queue, prefix);
  const producer = createApp({
    broker: REDIS_URL,
    defaultQueue: queue,
    redis: { globalKeyprefix: prefix },
    redisBackend: { keyPrefix: prefix },
  });
  try {
    const before = await settledRss(worker.pid, SETTLE_MS);
    const start = performance.now();
    const cpuBefore = cpuSeconds(worker.pid);
    let next = 0;
    const lane = async () => {
      while (next < GROWTH_TASKS) {
        next += 1;
        await producer.sendTask('footprint.noop');
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    // Every no-op sent before it is taken before it (one list); its result says the
    // worker is through the batch but for the prefetched few, done within milliseconds.
    const last = await producer.sendTask<number>('footprint.add', [1, 2]);
    if ((await last.get({ timeoutMs: 300_000 })) !== 3) throw new Error('footprint.add != 3');
    const seconds = (performance.now() - start) / 1000;
    const cpu = cpuSeconds(worker.pid) - cpuBefore;
    const after = await settledRss(worker.pid, SETTLE_MS);
    report({
      bench: 'footprint.growth',
      system: 'celeriac.redis',
      tasks: GROWTH_TASKS,
      tasks_per_s: Math.round(GROWTH_TASKS / seconds),
      // The worker's CPU per task: unlike tasks_per_s, barely moved by a loaded machine.
      cpu_us_per_task: Math.round((cpu / GROWTH_TASKS) * 1e6),
      rss_before_mb: round1(before),
      rss_mb: round1(after),
      growth_mb: round1(after - before),
      target_mb: GROWTH_TARGET_MB,
      met: after - before <= GROWTH_TARGET_MB,
    });
  } finally {
    await worker.stop();
    await producer.close();
    await deleteRedisKeys(prefix, [], REDIS_URL);
  }
}

const only = process.env['BENCH_ONLY']?.split(',');
const run = (name: string) => !only || only.includes(name);
if (run('bare')) await bare();
if (run('memory')) await idle('celeriac.memory', 'memory://');
if (run('redis')) await idle('celeriac.redis', REDIS_URL);
if (run('amqp')) await idle('celeriac.amqp', AMQP_URL);
if (run('growth')) await growth();
process.exit(0);
