/**
 * RabbitMQ throughput and latency, celeriac against the raw amqplib ceiling, in one run
 * on the local broker (127.0.0.1:5672), one JSON line per figure, each with `loadavg`:
 *
 * - raw.amqplib: amqplib alone — publish with confirms (the same window of unconfirmed
 *   publishes as celeriac's run), then consume with the worker's prefetch and ack each;
 * - celeriac.transport: `AmqpTransport.publish` (confirmed), `transport.consume` + ack;
 * - celeriac: a worker (acks-late, no-op task, concurrency 50, prefetch 200, results to
 *   the memory backend) consuming the same messages;
 * - latency: enqueue → task start at 1,000 tasks/s offered, p50/p99, celeriac's worker
 *   beside a raw amqplib consumer with the same prefetch.
 *
 * Rounds alternate the order of the systems; each figure is the median of the rounds and
 * each ratio is taken within the run. Targets: celeriac consume ≥ 1.0× raw, p99 ≤ 2 ms.
 *
 *   npm run bench:amqp          BENCH_TASKS=20000 BENCH_WINDOW=500 BENCH_ROUNDS=3
 *
 * Queues have unique names and are deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { type AmqpTransport, createAmqpTransport } from '@celeriac/amqp';
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
/** Tasks per latency round (3 s at the offered rate). */
const LATENCY_TASKS = Number(process.env.BENCH_LATENCY_TASKS ?? 3_000);
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
  const load = loadavg().map((value) => Math.round(value * 100) / 100);
  console.log(JSON.stringify({ ...fields, loadavg: load }));
}

interface Phases {
  publishSeconds: number;
  consumeSeconds: number;
}

/** One confirmed publish with amqplib, with the properties celeriac's transport sets. */
function rawPublish(channel: ConfirmChannel, queue: string, message: BrokerMessage): Promise<void> {
  const options: Options.Publish = {
    contentType: message.contentType,
    contentEncoding: message.contentEncoding,
    headers: message.headers,
    correlationId: message.properties.correlationId!,
    deliveryMode: 2,
    priority: 0,
  };
  return new Promise<void>((resolve, reject) => {
    channel.publish('', queue, Buffer.from(message.body), options, (error: unknown) => {
      if (error == null) resolve();
      else reject(error instanceof Error ? error : new Error('publish not confirmed'));
    });
  });
}

async function raw(messages: BrokerMessage[]): Promise<Phases> {
  const model = await connect(URL);
  const queue = `bench.raw.${randomUUID()}`;
  try {
    const publisher: ConfirmChannel = await model.createConfirmChannel();
    await publisher.assertQueue(queue, { durable: true });
    const start = performance.now();
    await pipelined(messages.length, WINDOW, (i) => rawPublish(publisher, queue, messages[i]!));
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

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

/**
 * Offer LATENCY_TASKS tasks at LATENCY_RATE/s through `publish` (every millisecond, the
 * ones due by now), each stamped when sent; resolves once `started` saw them all.
 */
async function offer(
  publish: (message: BrokerMessage, id: string) => Promise<void>,
  sentAt: Map<string, number>,
  started: Promise<void>,
): Promise<void> {
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
        publishes.push(publish(message, id));
      }
      if (sent === LATENCY_TASKS) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  await Promise.all(publishes);
  await started;
}

function summary(latencies: number[]): Latency {
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

async function celeriacLatency(): Promise<Latency> {
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
    const routing = { exchange: '', routingKey: queue };
    await offer((message) => producer.publish(message, routing), sentAt, finished);
    return summary(latencies);
  } finally {
    await worker.stop();
    await cleanup(producer, queue);
    await transport.close();
    await backend.close();
  }
}

/** amqplib alone: confirmed publishes, a consumer with the worker's prefetch that acks. */
async function rawLatency(): Promise<Latency> {
  const model = await connect(URL);
  const queue = `bench.raw-latency.${randomUUID()}`;
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  try {
    const publisher = await model.createConfirmChannel();
    await publisher.assertQueue(queue, { durable: true });
    const consumer = await model.createChannel();
    await consumer.prefetch(PREFETCH, true);
    await consumer.consume(queue, (msg) => {
      if (msg === null) return;
      const id = String(msg.properties.headers?.['id']);
      latencies.push(performance.now() - sentAt.get(id)!);
      consumer.ack(msg);
      if (latencies.length === LATENCY_TASKS) allDone();
    });
    await offer((message) => rawPublish(publisher, queue, message), sentAt, finished);
    await publisher.deleteQueue(queue);
    return summary(latencies);
  } finally {
    await model.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
const round2 = (value: number) => Math.round(value * 100) / 100;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const messages = Array.from({ length: TASKS }, () => taskMessage(randomUUID()));
// Warm up the JIT (and the broker) on a small run of each first.
await raw(messages.slice(0, 2_000));
await transportOnly(messages.slice(0, 2_000));
await celeriac(messages.slice(0, 2_000));

// The broker is shared and noisy: alternate the order each round and keep the medians.
const systems = {
  'raw.amqplib': raw,
  'celeriac.transport': transportOnly,
  celeriac,
} as const;
type System = keyof typeof systems;
const runs: Record<System, Phases[]> = {
  'raw.amqplib': [],
  'celeriac.transport': [],
  celeriac: [],
};
const latencies: Record<'raw.amqplib' | 'celeriac', Latency[]> = {
  'raw.amqplib': [],
  celeriac: [],
};
for (let round = 0; round < ROUNDS; round++) {
  const order = Object.keys(systems) as System[];
  if (round % 2 === 1) order.reverse();
  for (const system of order) runs[system].push(await systems[system](messages));
  const latencyOrder = ['raw.amqplib', 'celeriac'] as const;
  for (const system of round % 2 === 1 ? [...latencyOrder].reverse() : latencyOrder) {
    latencies[system].push(await (system === 'celeriac' ? celeriacLatency() : rawLatency()));
  }
}
const phase = (system: System, pick: (p: Phases) => number) => median(runs[system].map(pick));
const publish = (p: Phases) => p.publishSeconds;
const consume = (p: Phases) => p.consumeSeconds;
const common = { tasks: TASKS, rounds: ROUNDS, window: WINDOW, prefetch: PREFETCH };
for (const [bench, pick, systemsOf] of [
  ['amqp.publish', publish, ['raw.amqplib', 'celeriac.transport']],
  ['amqp.consume', consume, ['raw.amqplib', 'celeriac.transport', 'celeriac']],
] as const) {
  const rawSeconds = phase('raw.amqplib', pick);
  for (const system of systemsOf) {
    const ours = phase(system, pick);
    line({
      bench,
      system,
      ...common,
      ...(system === 'celeriac' ? { concurrency: CONCURRENCY, acks_late: true } : {}),
      tasks_per_s: Math.round(TASKS / ours),
      ...(system === 'raw.amqplib' ? {} : { ratio_vs_raw: round2(rawSeconds / ours) }),
    });
  }
}
for (const system of ['raw.amqplib', 'celeriac'] as const) {
  const rounds = latencies[system];
  line({
    bench: 'amqp.latency',
    system,
    offered_per_s: LATENCY_RATE,
    tasks: LATENCY_TASKS,
    rounds: ROUNDS,
    prefetch: PREFETCH,
    p50_ms: round2(median(rounds.map((r) => r.p50))),
    p99_ms: round2(median(rounds.map((r) => r.p99))),
    max_ms: round2(Math.max(...rounds.map((r) => r.max))),
  });
}
process.exit(0);
