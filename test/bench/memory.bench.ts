/**
 * Throughput of the full worker on the memory transport: no-op tasks through decode,
 * dispatch, an executor actor, result storage and ack, at concurrency 1 and 50; and the
 * per-task overhead versus calling the handler directly. Prints one JSON line per figure.
 *
 *   npm run bench:memory
 */
import { randomUUID } from 'node:crypto';
import type { BrokerMessage, ResultBackend, ResultMeta, StoreContext } from '@celeriac/protocol';
import {
  MemoryBroker,
  MemoryResultBackend,
  MemoryResultStore,
  MemoryTransport,
} from '@celeriac/memory';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import { createTaskContext } from '../../packages/worker/src/task-context.js';

const encoder = new TextEncoder();
const TASKS = Number(process.env.BENCH_TASKS ?? 20_000);

function message(id: string): BrokerMessage {
  return {
    body: encoder.encode(
      JSON.stringify([[], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]),
    ),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: {
      lang: 'py',
      task: 'bench.noop',
      id,
      shadow: null,
      eta: null,
      expires: null,
      group: null,
      group_index: null,
      retries: 0,
      timelimit: [null, null],
      root_id: id,
      parent_id: null,
      argsrepr: '()',
      kwargsrepr: '{}',
      origin: 'gen0@bench',
      ignore_result: false,
    },
    properties: { correlationId: id, deliveryMode: 2, priority: 0 },
  };
}

/** A memory result backend that resolves `done` after `expected` SUCCESS stores. */
function countingBackend(expected: number): { backend: ResultBackend; done: Promise<void> } {
  const inner: ResultBackend = new MemoryResultBackend({ store: new MemoryResultStore() });
  let stored = 0;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const backend: ResultBackend = {
    kind: inner.kind,
    connect: () => inner.connect(),
    expect: (id) => inner.expect(id),
    async store(meta: ResultMeta, context?: StoreContext) {
      const ok = await inner.store(meta, context);
      if (meta.status === 'SUCCESS' && ++stored === expected) resolve();
      return ok;
    },
    get: (id) => inner.get(id),
    wait: (id, options) => inner.wait(id, options),
    forget: (id) => inner.forget(id),
    saveGroup: (group) => inner.saveGroup(group),
    getGroup: (id) => inner.getGroup(id),
    close: () => inner.close(),
    [Symbol.asyncDispose]: () => inner.close(),
  };
  return { backend, done };
}

async function throughput(concurrency: number, tasks: number): Promise<number> {
  const broker = new MemoryBroker({ name: `bench-${randomUUID()}` });
  const producer = new MemoryTransport({ broker });
  const consumer = new MemoryTransport({ broker });
  const { backend, done } = countingBackend(tasks);
  const queue = 'bench';
  await producer.declareQueue({ name: queue, durable: true });
  for (let i = 0; i < tasks; i++) {
    await producer.publish(message(randomUUID()), { exchange: '', routingKey: queue });
  }
  const worker = createWorker({
    transport: consumer,
    backend,
    tasks: [implementTask('bench.noop', () => null)],
    queues: [queue],
    concurrency,
    logger: silentLogger,
    control: false,
    hostname: `bench-${concurrency}@local`,
  });
  const start = performance.now();
  await worker.start();
  await done;
  const seconds = (performance.now() - start) / 1000;
  await worker.stop();
  await producer.close();
  await consumer.close();
  await backend.close();
  return seconds;
}

async function directCallSeconds(tasks: number): Promise<number> {
  const handler = implementTask('bench.noop', () => null);
  const ctx = createTaskContext({
    taskId: 'x',
    name: 'bench.noop',
    retries: 0,
    rootId: 'x',
    parentId: null,
    groupId: null,
    headers: {},
    kwargs: {},
    hostname: 'bench',
    signal: new AbortController().signal,
    deliveryInfo: { exchange: '', routingKey: 'bench', priority: 0, redelivered: false },
    log: silentLogger,
    now: Date.now,
    maxRetries: 3,
    defaultRetryDelay: 180,
    updateState: async () => {},
  });
  const start = performance.now();
  for (let i = 0; i < tasks; i++) await handler.invoke(ctx, [], {});
  return (performance.now() - start) / 1000;
}

// Warm up the JIT on a small run first.
await throughput(10, 2_000);
const results: Record<number, number> = {};
for (const concurrency of [1, 50]) {
  const seconds = await throughput(concurrency, TASKS);
  results[concurrency] = seconds;
  console.log(
    JSON.stringify({
      bench: 'worker.memory.noop',
      concurrency,
      tasks: TASKS,
      seconds: Number(seconds.toFixed(3)),
      tasksPerSecond: Math.round(TASKS / seconds),
    }),
  );
}
const direct = await directCallSeconds(TASKS);
console.log(
  JSON.stringify({
    bench: 'worker.memory.overhead',
    concurrency: 1,
    directMicrosPerTask: Number(((direct / TASKS) * 1e6).toFixed(2)),
    workerMicrosPerTask: Number(((results[1]! / TASKS) * 1e6).toFixed(1)),
    overheadMicrosPerTask: Number((((results[1]! - direct) / TASKS) * 1e6).toFixed(1)),
  }),
);
