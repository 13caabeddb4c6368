/**
 * The pools side by side (issue 13): no-op tasks/s on each pool (async, threads,
 * processes; concurrency 2) over memory:// and the local Redis; the per-task overhead of
 * a thread or process unit over the async pool, from one executor's serial rate (target
 * ≤ 100 µs; best of three rounds each); and a CPU-bound task's throughput with `processes -c 2` over `-c 1` on this
 * machine (target ≥ 1.7×). One JSON line per figure, each with the load average.
 *
 *   npm run bench:pools         (BENCH_TASKS=… no-op tasks per run, default 4,000)
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { ResultMeta, Transport } from '@celeriac/protocol';
import {
  MemoryBroker,
  MemoryResultBackend,
  MemoryResultStore,
  MemoryTransport,
} from '@celeriac/memory';
import { createRedisTransport } from '@celeriac/redis';
import { createWorker, silentLogger, type WorkerOptions } from '@celeriac/worker';
import { celeryMessage } from '../../packages/worker/test/support.js';
import { tasks } from '../pools/fixtures/pool-app.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../support/redis-keys.js';

const TASKS = Number(process.env['BENCH_TASKS'] ?? 4_000);
const CPU_TASKS = Number(process.env['BENCH_CPU_TASKS'] ?? 16);
const CPU_MS = 150;
const appModule = new URL('../pools/fixtures/pool-app.ts', import.meta.url).href;
type Pool = 'async' | 'threads' | 'processes';
const POOLS: Pool[] = ['async', 'threads', 'processes'];

function report(line: Record<string, unknown>): void {
  console.log(
    JSON.stringify({ ...line, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) }),
  );
}

/** A memory result backend that counts the SUCCESS results stored. */
class CountingBackend extends MemoryResultBackend {
  succeeded = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  override async store(meta: ResultMeta): Promise<boolean> {
    const stored = await super.store(meta);
    if (meta.status === 'SUCCESS') {
      this.succeeded++;
      this.#waiters = this.#waiters.filter((w) => (w.count <= this.succeeded ? w.resolve() : true));
    }
    return stored;
  }

  /** Resolves once `count` results were stored in total. */
  reach(count: number): Promise<void> {
    if (this.succeeded >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

interface Broker {
  readonly name: 'memory' | 'redis';
  transport(): Transport;
  cleanup(): Promise<void>;
}

function memoryBroker(): Broker {
  const broker = new MemoryBroker({ name: `pools-bench-${randomUUID()}` });
  return {
    name: 'memory',
    transport: () => new MemoryTransport({ broker }),
    cleanup: () => Promise.resolve(),
  };
}

function redisBroker(): Broker {
  const prefix = `celeriac-pools-bench-${randomUUID().slice(0, 8)}:`;
  return {
    name: 'redis',
    transport: () => createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix }),
    cleanup: () => deleteRedisKeys(prefix),
  };
}

/**
 * Start a worker on `broker`, warm it up, then publish `count` messages of `task` and
 * time them from the first publish to the last result stored: tasks per second.
 */
async function throughput(
  broker: Broker,
  options: Partial<WorkerOptions>,
  task: string,
  args: unknown[],
  count: number,
): Promise<number> {
  const queue = `pools-bench-${randomUUID().slice(0, 8)}`;
  const transport = broker.transport();
  const producer = broker.transport();
  const backend = new CountingBackend({ store: new MemoryResultStore() });
  const worker = createWorker({
    transport,
    backend,
    tasks,
    queues: [queue],
    appModule,
    logger: silentLogger,
    control: false,
    ...options,
  });
  try {
    await worker.start();
    await producer.connect();
    await producer.declareQueue({ name: queue });
    // In parallel batches, so that publishing does not bound the rate.
    const publish = async (n: number) => {
      for (let sent = 0; sent < n; sent += 200) {
        const batch = Array.from({ length: Math.min(200, n - sent) }, () =>
          producer.publish(celeryMessage(task, { args }), { exchange: '', routingKey: queue }),
        );
        await Promise.all(batch);
      }
    };
    const warmup = Math.max(4, Math.min(500, Math.floor(count / 8)));
    await publish(warmup);
    await backend.reach(warmup);
    const started = performance.now();
    await publish(count);
    await backend.reach(warmup + count);
    return (count * 1000) / (performance.now() - started);
  } finally {
    await worker.stop();
    await producer.close();
    await transport.close();
  }
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;
const only = process.env['BENCH_ONLY']?.split(',');
const run = (part: string) => !only || only.includes(part);

// No-op tasks/s per pool and broker.
for (const make of run('noop') ? [memoryBroker, redisBroker] : []) {
  const broker = make();
  try {
    for (const pool of POOLS) {
      const rate = await throughput(broker, { pool, concurrency: 2 }, 'pools.add', [1, 2], TASKS);
      report({
        bench: 'pools.noop',
        broker: broker.name,
        pool,
        concurrency: 2,
        tasks: TASKS,
        tasks_per_s: Math.round(rate),
      });
    }
  } finally {
    await broker.cleanup();
  }
}

// Per-task overhead of a unit over the async pool: one executor, serial; the pools take
// turns for three rounds and each keeps its best rate (this machine is shared and noisy).
const serial: Partial<Record<Pool, number>> = {};
for (let round = 0; round < (run('overhead') ? 3 : 0); round++) {
  for (const pool of POOLS) {
    const rate = await throughput(
      memoryBroker(),
      { pool, concurrency: 1 },
      'pools.add',
      [1, 2],
      TASKS,
    );
    serial[pool] = Math.max(serial[pool] ?? 0, rate);
  }
}
for (const pool of run('overhead') ? (['threads', 'processes'] as const) : []) {
  const overhead = 1e6 / serial[pool]! - 1e6 / serial.async!;
  report({
    bench: 'pools.overhead',
    pool,
    concurrency: 1,
    tasks: TASKS,
    tasks_per_s: Math.round(serial[pool]!),
    async_tasks_per_s: Math.round(serial.async!),
    overhead_us: round(overhead, 1),
    target_us: 100,
  });
}

// CPU-bound: processes -c 2 over -c 1.
const cpu: number[] = [];
for (const concurrency of run('cpu') ? [1, 2] : []) {
  cpu.push(
    await throughput(
      memoryBroker(),
      { pool: 'processes', concurrency, prefetchMultiplier: 1 },
      'pools.busy',
      [CPU_MS],
      CPU_TASKS,
    ),
  );
}
if (cpu.length === 2)
  report({
    bench: 'pools.cpu',
    pool: 'processes',
    task_ms: CPU_MS,
    tasks: CPU_TASKS,
    c1_tasks_per_s: round(cpu[0]!, 2),
    c2_tasks_per_s: round(cpu[1]!, 2),
    speedup: round(cpu[1]! / cpu[0]!, 2),
    target: 1.7,
  });
