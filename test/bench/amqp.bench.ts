/**
 * RabbitMQ throughput and latency, celeriac against the raw amqplib ceiling, in one run
 * on the local broker (127.0.0.1:5672), one JSON line per figure:
 *
 * - raw: amqplib alone — publish with confirms (the same window of unconfirmed publishes
 *   as celeriac's run), then consume with the worker's prefetch and ack each message;
 * - celeriac: `AmqpTransport.publish` (confirmed) of the same task messages, then a
 *   worker (acks-late, no-op task, concurrency 50, results to the memory backend);
 * - latency: enqueue → task start at 1,000 tasks/s offered, p50/p99.
 *
 *   npm run bench:amqp          BENCH_TASKS=20000 BENCH_WINDOW=500
 *
 * Queues have unique names and are deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { createAmqpTransport } from '@celeriac/amqp';
import type { AmqpTransport } from '@celeriac/amqp';
import { createMemoryResultBackend } from '@celeriac/memory';
import type { BrokerMessage } from '@celeriac/protocol';
import { encodeTaskMessage } from '@celeriac/protocol';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import type { ConfirmChannel, Options } from 'amqplib';
import { connect } from 'amqplib';

const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
const TASKS = Number(process.env.BENCH_TASKS ?? 20_000);
/** Publishes awaiting their confirm at once, for both raw and celeriac. */
const WINDOW = Number(process.env.BENCH_WINDOW ?? 500);
const CONCURRENCY = 50;
/** The worker's prefetch: concurrency × Celery's multiplier 4. */
const PREFETCH = CONCURRENCY * 4;
const LATENCY_RATE = 1_000;
const LATENCY_TASKS = Number(process.env.BENCH_LATENCY_TASKS ?? 5_000);
const TASK = 'bench.noop';
const quiet = { warn: () => undefined };

function taskMessage(id: string): BrokerMessage {
  return encodeTaskMessage({ headers: { task: TASK, id, origin: 'gen0@bench' } });
}

/** Run `publishOne(i)` for i < n with at most `window` in flight. */
async function pipelined(
  n: number,
  window: number,
  publishOne: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) await publishOne(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function line(fields: Record<string, unknown>): void {
  console.log(JSON.stringify(fields));
}

interface Phases {
  publishSeconds: number;
  consumeSeconds: number;
}

async function raw(messages: BrokerMessage[]): Promise<Phases> {
  const model = await connect(URL);
  const queue = `bench.raw.${randomUUID()}`;
  try {
    const publisher: ConfirmChannel = await model.createConfirmChannel();
    await publisher.assertQueue(queue, { durable: true });
    const first = messages[0]!;
    const start = performance.now();
    await pipelined(messages.length, WINDOW, (i) => {
      const message = messages[i]!;
      const options: Options.Publish = {
        contentType: first.contentType,
        contentEncoding: first.contentEncoding,
        headers: message.headers,
        correlationId: message.properties.correlationId!,
        deliveryMode: 2,
        priority: 0,
      };
      return new Promise<void>((resolve, reject) => {
        publisher.publish('', queue, Buffer.from(message.body), options, (error: unknown) => {
          if (error == null) resolve();
          else reject(error instanceof Error ? error : new Error('publish not confirmed'));
        });
      });
    });
    const publishSeconds = seconds(start);

    const consumer = await model.createChannel();
    await consumer.prefetch(PREFETCH, true);
    let received = 0;
    const consumeStart = performance.now();
    await new Promise<void>((resolve) => {
      void consumer.consume(queue, (msg) => {
        if (msg === null) return;
        consumer.ack(msg);
        if (++received === messages.length) resolve();
      });
    });
    const consumeSeconds = seconds(consumeStart);
    await publisher.deleteQueue(queue);
    return { publishSeconds, consumeSeconds };
  } finally {
    await model.close();
  }
}

async function celeriac(messages: BrokerMessage[]): Promise<Phases> {
  const queue = `bench.celeriac.${randomUUID()}`;
  const producer = createAmqpTransport(URL, { logger: quiet });
  const transport = createAmqpTransport(URL, { logger: quiet });
  const backend = createMemoryResultBackend(`memory://${randomUUID()}`);
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const worker = createWorker({
    transport,
    backend,
    tasks: [
      implementTask(
        TASK,
        () => {
          if (++done === messages.length) allDone();
          return null;
        },
        { acksLate: true },
      ),
    ],
    queues: [queue],
    concurrency: CONCURRENCY,
    control: false,
    logger: silentLogger,
    hostname: `bench-${randomUUID()}@local`,
  });
  try {
    await producer.connect();
    await producer.declareQueue({ name: queue, durable: true });
    const start = performance.now();
    await pipelined(messages.length, WINDOW, (i) =>
      producer.publish(messages[i]!, { exchange: '', routingKey: queue }),
    );
    const publishSeconds = seconds(start);
    const consumeStart = performance.now();
    await worker.start();
    await finished;
    const consumeSeconds = seconds(consumeStart);
    return { publishSeconds, consumeSeconds };
  } finally {
    await worker.stop();
    await cleanup(producer, queue);
    await transport.close();
    await backend.close();
  }
}

/** The transport alone: publish as celeriac does, consume with `transport.consume` and ack each. */
async function transportOnly(messages: BrokerMessage[]): Promise<Phases> {
  const queue = `bench.transport.${randomUUID()}`;
  const producer = createAmqpTransport(URL, { logger: quiet });
  const consumer = createAmqpTransport(URL, { logger: quiet });
  try {
    await producer.declareQueue({ name: queue, durable: true });
    const start = performance.now();
    await pipelined(messages.length, WINDOW, (i) =>
      producer.publish(messages[i]!, { exchange: '', routingKey: queue }),
    );
    const publishSeconds = seconds(start);
    let received = 0;
    let allDone!: () => void;
    const finished = new Promise<void>((resolve) => (allDone = resolve));
    const consumeStart = performance.now();
    await consumer.consume(
      [queue],
      (delivery) => {
        void delivery.ack();
        if (++received === messages.length) allDone();
      },
      { prefetch: PREFETCH },
    );
    await finished;
    return { publishSeconds, consumeSeconds: seconds(consumeStart) };
  } finally {
    await consumer.close();
    await cleanup(producer, queue);
  }
}

async function cleanup(transport: AmqpTransport, queue: string): Promise<void> {
  await transport.deleteQueue(queue);
  await transport.deleteExchange(queue);
  await transport.close();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function latency(): Promise<{ p50: number; p99: number; max: number }> {
  const queue = `bench.latency.${randomUUID()}`;
  const producer = createAmqpTransport(URL, { logger: quiet });
  const transport = createAmqpTransport(URL, { logger: quiet });
  const backend = createMemoryResultBackend(`memory://${randomUUID()}`);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const worker = createWorker({
    transport,
    backend,
    tasks: [
      implementTask(
        TASK,
        (ctx) => {
          latencies.push(performance.now() - sentAt.get(ctx.taskId)!);
          if (latencies.length === LATENCY_TASKS) allDone();
          return null;
        },
        { acksLate: true },
      ),
    ],
    queues: [queue],
    concurrency: CONCURRENCY,
    control: false,
    logger: silentLogger,
    hostname: `bench-${randomUUID()}@local`,
  });
  try {
    await worker.start();
    await producer.connect();
    // Offer LATENCY_RATE tasks/s: every tick, publish the ones due by now.
    const start = performance.now();
    let sent = 0;
    const publishes: Promise<void>[] = [];
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const due = Math.min(
          LATENCY_TASKS,
          Math.floor(((performance.now() - start) * LATENCY_RATE) / 1000),
        );
        for (; sent < due; sent++) {
          const id = randomUUID();
          const message = taskMessage(id);
          sentAt.set(id, performance.now());
          publishes.push(producer.publish(message, { exchange: '', routingKey: queue }));
        }
        if (sent === LATENCY_TASKS) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    await Promise.all(publishes);
    await finished;
    const sorted = latencies.sort((a, b) => a - b);
    return {
      p50: Number(percentile(sorted, 50).toFixed(2)),
      p99: Number(percentile(sorted, 99).toFixed(2)),
      max: Number(sorted.at(-1)!.toFixed(2)),
    };
  } finally {
    await worker.stop();
    await cleanup(producer, queue);
    await transport.close();
    await backend.close();
  }
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const messages = Array.from({ length: TASKS }, () => taskMessage(randomUUID()));
// Warm up the JIT (and the broker) on a small run of each first.
await raw(messages.slice(0, 2_000));
await transportOnly(messages.slice(0, 2_000));
await celeriac(messages.slice(0, 2_000));

// The broker is shared and noisy: alternate the order each round and keep the medians.
const runs: Record<'raw' | 'transport' | 'worker', Phases[]> = {
  raw: [],
  transport: [],
  worker: [],
};
for (let round = 0; round < ROUNDS; round++) {
  const order = (['raw', 'transport', 'worker'] as const).slice();
  if (round % 2 === 1) order.reverse();
  for (const side of order) {
    const run = side === 'raw' ? raw : side === 'transport' ? transportOnly : celeriac;
    runs[side].push(await run(messages));
  }
}
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
const rate = (s: number) => Math.round(TASKS / s);
const phase = (side: keyof typeof runs, pick: (p: Phases) => number) =>
  median(runs[side].map(pick));
const publish = (p: Phases) => p.publishSeconds;
const consume = (p: Phases) => p.consumeSeconds;
const both = (p: Phases) => p.publishSeconds + p.consumeSeconds;
const figures = [
  ['publish', 'celeriac-transport', phase('raw', publish), phase('transport', publish)],
  ['consume', 'celeriac-transport', phase('raw', consume), phase('transport', consume)],
  ['consume', 'celeriac-worker', phase('raw', consume), phase('worker', consume)],
  ['publish+consume', 'celeriac-worker', phase('raw', both), phase('worker', both)],
] as const;
const common = { tasks: TASKS, rounds: ROUNDS, window: WINDOW, prefetch: PREFETCH };
for (const [name, side, rawSeconds, ourSeconds] of figures) {
  line({ bench: `amqp.${name}`, side: 'raw-amqplib', ...common, tasksPerSecond: rate(rawSeconds) });
  line({
    bench: `amqp.${name}`,
    side,
    ...common,
    ...(side === 'celeriac-worker' ? { concurrency: CONCURRENCY, acksLate: true } : {}),
    tasksPerSecond: rate(ourSeconds),
    ratio_vs_raw: Number((rawSeconds / ourSeconds).toFixed(2)),
  });
}
const lat = await latency();
line({
  bench: 'amqp.enqueue-to-start',
  offeredPerSecond: LATENCY_RATE,
  tasks: LATENCY_TASKS,
  concurrency: CONCURRENCY,
  p50Ms: lat.p50,
  p99Ms: lat.p99,
  maxMs: lat.max,
});
