/**
 * Issue 4/5 on RabbitMQ: a Python Celery 5.2.6 client's tasks on celeriac workers —
 * priority order on an `x-max-priority` queue, routing by routing key over a topic
 * exchange to two workers, a fanout broadcast each worker receives once — and celeriac's
 * client sending to a Python worker, results read over rpc:// (the client's own reply
 * queue) and from Redis.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteTaskError, createApp, defineTask } from 'celeriac';
import { createWorker, implementTask } from '@celeriac/worker';
import type { AppOptions } from 'celeriac';
import type { QueueSpec, ResultMeta, Transport } from '@celeriac/protocol';
import {
  celeryTaskQueue,
  createAmqpTransport,
  createRpcResultBackend,
  declareQueueDeclaration,
} from '@celeriac/amqp';
import type { AmqpTransport } from '@celeriac/amqp';
import { waitFor } from '@celeriac/testing';
import {
  AMQP_URL,
  REDIS_URL,
  killPythonChildren,
  runPythonClient,
  shortId,
  startPythonWorker,
} from './support/python.js';
import { deleteRedisKeys } from './support/redis.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A connected transport for declarations and cleanup, closed after the test. */
async function admin(): Promise<AmqpTransport> {
  const t = createAmqpTransport(AMQP_URL, { logger: { warn: () => undefined } });
  await t.connect();
  cleanups.push(() => t.close());
  return t;
}

/** Delete queues and exchanges after the test (before the admin transport closes). */
function deleteAfter(t: AmqpTransport, queues: string[], exchanges: string[] = queues): void {
  cleanups.push(async () => {
    for (const q of queues) await t.deleteQueue(q).catch(() => undefined);
    for (const e of exchanges) await t.deleteExchange(e).catch(() => undefined);
  });
}

/** A celeriac app on RabbitMQ, closed after the test. */
function amqpApp(options: AppOptions = {}) {
  const app = createApp({
    broker: AMQP_URL,
    amqp: { logger: { warn: () => undefined } },
    ...options,
  });
  cleanups.push(() => app.close());
  return app;
}

const order = defineTask('wk.order', { args: z.tuple([z.number()]), result: z.number() });
const route = defineTask('wk.route', {
  args: z.tuple([z.string()]),
  result: z.object({ tag: z.string(), worker: z.string() }),
});

/**
 * Queue `wk.order(priority)` tasks from a Python client on `queue`, declared with
 * x-max-priority 10 on both sides, while no worker consumes it.
 */
async function queueBatch(t: AmqpTransport, queue: string, priorities: number[]): Promise<void> {
  await declareQueueDeclaration(t, celeryTaskQueue(queue, { maxPriority: 10 }));
  await runPythonClient(
    { broker: AMQP_URL, queue, maxPriority: 10 },
    priorities.map((priority) => ({
      task: 'wk.order',
      args: [priority],
      options: { priority, ignore_result: true },
      mode: 'send' as const,
    })),
  );
  await waitFor(async () => (await t.queueLength(queue)) === priorities.length, {
    timeoutMs: 5_000,
    description: 'the batch queued',
  });
}

/** `transport`, with extra arguments in its declarations of the named queues. */
function withQueueArguments(
  transport: Transport,
  queues: Record<string, Omit<QueueSpec, 'name'>>,
): Transport {
  return new Proxy(transport, {
    get(target, property) {
      if (property === 'declareQueue') {
        return (spec: QueueSpec) => target.declareQueue({ ...spec, ...queues[spec.name] });
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

describe('a Python Celery 5.2 client → celeriac workers (RabbitMQ)', () => {
  it('runs a batch queued while the worker was stopped in priority order (x-max-priority)', async () => {
    const t = await admin();
    const queue = `wk-prio-${shortId()}`;
    deleteAfter(t, [queue]);
    const priorities = [3, 9, 1, 7, 5, 0, 8, 2, 6, 4];
    await queueBatch(t, queue, priorities);

    // Declared through a transport wrapper here; the app-level form is the next test.
    const transport = createAmqpTransport(AMQP_URL, { logger: { warn: () => undefined } });
    const backend = createRpcResultBackend('rpc://', { transport });
    const ran: number[] = [];
    const worker = createWorker({
      transport: withQueueArguments(transport, { [queue]: { maxPriority: 10 } }),
      backend,
      queues: [queue],
      concurrency: 1,
      prefetchMultiplier: 1,
      hostname: `ts-${queue}@interop`,
      logger: quiet,
      control: false,
      ownTransport: true,
      ownBackend: true,
      tasks: [
        implementTask(order, (_ctx, priority) => {
          ran.push(priority);
          return priority;
        }),
      ],
    });
    cleanups.push(() => worker.stop());
    await worker.start();
    await waitFor(() => ran.length === priorities.length, {
      timeoutMs: 10_000,
      description: 'every task ran',
    });
    expect(ran).toEqual([...priorities].sort((a, b) => b - a));
  }, 60_000);

  // The app's `queues` (Celery's task_queues) declare the queue as Python did; a plain
  // durable declaration would make RabbitMQ refuse the worker (406 PRECONDITION_FAILED).
  it('starts an app worker on a queue Python declared with x-max-priority, priorities honoured', async () => {
    const t = await admin();
    const queue = `wk-prio-app-${shortId()}`;
    deleteAfter(t, [queue]);
    await queueBatch(t, queue, [1, 9]);
    const app = amqpApp({ queues: [{ name: queue, maxPriority: 10 }] });
    const ran: number[] = [];
    app.task(order, (_ctx, priority) => {
      ran.push(priority);
      return priority;
    });
    const worker = await app.worker({
      queues: [queue],
      concurrency: 1,
      prefetchMultiplier: 1,
      logger: quiet,
    });
    await worker.start();
    await waitFor(() => ran.length === 2, { timeoutMs: 10_000 });
    expect(ran).toEqual([9, 1]);
  }, 60_000);

  it('routes by routing key over a topic exchange to two workers, and fans a broadcast out to both once', async () => {
    const t = await admin();
    const id = shortId();
    const topic = `wk-topic-${id}`;
    const fanout = `wk-bcast-${id}`;
    const [qa, qb, ba, bb] = [`wk-a-${id}`, `wk-b-${id}`, `wk-bcast-a-${id}`, `wk-bcast-b-${id}`];
    deleteAfter(t, [qa, qb, ba, bb], [qa, qb, ba, bb, topic, fanout]);
    // The celeriac side's topology: the Python app's task_queues below, and per worker a
    // queue bound to the fanout (broadcast) exchange.
    await declareQueueDeclaration(
      t,
      celeryTaskQueue(qa, { exchange: topic, exchangeType: 'topic', routingKey: 'a.#' }),
    );
    await declareQueueDeclaration(
      t,
      celeryTaskQueue(qb, { exchange: topic, exchangeType: 'topic', routingKey: 'b.#' }),
    );
    await t.declareExchange({ name: fanout, type: 'fanout', durable: true });
    for (const q of [ba, bb]) {
      await t.declareQueue({ name: q, durable: true });
      await t.bindQueue({ queue: q, exchange: fanout, routingKey: '' });
    }

    const app = amqpApp();
    const seen = new Map<string, string[]>([
      ['wa', []],
      ['wb', []],
    ]);
    app.task(route, (ctx, tag) => {
      const worker = ctx.hostname.split('-')[0]!;
      seen.get(worker)!.push(tag);
      return { tag, worker };
    });
    const wa = await app.worker({ queues: [qa, ba], hostname: `wa-${id}@interop`, logger: quiet });
    const wb = await app.worker({ queues: [qb, bb], hostname: `wb-${id}@interop`, logger: quiet });
    await Promise.all([wa.start(), wb.start()]);

    const env = {
      broker: AMQP_URL,
      backend: 'rpc://',
      queue: qa,
      topology: [
        { name: qa, exchange: topic, type: 'topic' as const, routing_key: 'a.#' },
        { name: qb, exchange: topic, type: 'topic' as const, routing_key: 'b.#' },
      ],
    };
    const via = (tag: string, exchange: string, routingKey: string, mode: 'get' | 'send') => ({
      task: 'wk.route',
      args: [tag],
      options: {
        exchange,
        routing_key: routingKey,
        ...(mode === 'send' ? { ignore_result: true } : {}),
      },
      mode,
    });
    const { outcomes } = await runPythonClient(env, [
      via('a1', topic, 'a.eu', 'get'),
      via('b1', topic, 'b.us.east', 'get'),
      via('a2', topic, 'a.us', 'get'),
      via('nobody', topic, 'c.eu', 'send'),
      via('all', fanout, 'ignored', 'send'),
    ]);
    // The Python client read each routed task's result over rpc:// from the worker that ran it.
    expect(outcomes).toMatchObject([
      { state: 'SUCCESS', result: { tag: 'a1', worker: 'wa' } },
      { state: 'SUCCESS', result: { tag: 'b1', worker: 'wb' } },
      { state: 'SUCCESS', result: { tag: 'a2', worker: 'wa' } },
    ]);
    await waitFor(() => seen.get('wa')!.includes('all') && seen.get('wb')!.includes('all'), {
      timeoutMs: 10_000,
      description: 'the broadcast reached both workers',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect({ wa: [...seen.get('wa')!].sort(), wb: [...seen.get('wb')!].sort() }).toEqual({
      wa: ['a1', 'a2', 'all'],
      wb: ['all', 'b1'],
    });
    await Promise.all([wa.stop(), wb.stop()]);
  }, 60_000);
});

describe('celeriac client → a Python Celery 5.2 worker (RabbitMQ)', () => {
  it('reads results over rpc:// through its own reply queue, PROGRESS included', async () => {
    const t = await admin();
    const queue = `wk-rpc-${shortId()}`;
    deleteAfter(t, [queue]);
    const redis = new Redis(REDIS_URL);
    const gate = `celeriac-wk-gate-${queue}`;
    cleanups.push(async () => {
      await redis.del(gate);
      redis.disconnect();
    });
    const app = amqpApp(); // amqp:// implies rpc://
    expect(app.backendUrl).toBe('rpc://');
    await startPythonWorker({ broker: AMQP_URL, backend: 'rpc://', queue }, [queue]);

    const added = await app.sendTask('wk.add', [20, 22], {}, { queue });
    const echoed = await app.sendTask('wk.echo', ['ünï'], { k: [1, null] }, { queue });
    const failed = await app.sendTask('wk.fail', ['over rpc'], {}, { queue });
    await expect(added.get({ timeoutMs: 20_000 })).resolves.toBe(42);
    await expect(echoed.get({ timeoutMs: 20_000 })).resolves.toEqual({
      args: ['ünï'],
      kwargs: { k: [1, null] },
    });
    const error = await failed.get({ timeoutMs: 20_000, propagate: false });
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect(error).toMatchObject({ excType: 'ValueError', excMessage: ['over rpc'] });
    expect((error as RemoteTaskError).traceback).toMatch(/ValueError: over rpc/);

    // Wait first, then send (a pre-chosen task id): every state arrives during the wait.
    const id = randomUUID();
    const updates: ResultMeta[] = [];
    const waiting = (await app.client()).asyncResult(id).get({
      timeoutMs: 20_000,
      onUpdate: (meta) => {
        updates.push(meta);
        // Let the Python task finish only once PROGRESS was seen here.
        if (meta.status === 'PROGRESS') void redis.set(gate, '1', 'EX', 60);
      },
    });
    await app.sendTask('wk.progress', [gate], {}, { queue, taskId: id });
    await expect(waiting).resolves.toBe('finished');
    expect(updates.find((u) => u.status === 'PROGRESS')?.result).toEqual({
      step: 1,
      of: 2,
      by: 'python',
    });
  }, 60_000);

  // RpcResultBackend.wait passes a state that arrived before the wait (here PROGRESS)
  // to onUpdate, as the Redis backend does.
  it('reports a PROGRESS that arrived before get({ onUpdate }) started', async () => {
    const t = await admin();
    const queue = `wk-rpc-late-${shortId()}`;
    deleteAfter(t, [queue]);
    const redis = new Redis(REDIS_URL);
    const gate = `celeriac-wk-gate-${queue}`;
    cleanups.push(async () => {
      await redis.del(gate);
      redis.disconnect();
    });
    const app = amqpApp();
    await startPythonWorker({ broker: AMQP_URL, backend: 'rpc://', queue }, [queue]);
    const progressed = await app.sendTask('wk.progress', [gate], {}, { queue });
    await waitFor(async () => (await progressed.state()) === 'PROGRESS', { timeoutMs: 10_000 });
    const value = await progressed.get({
      timeoutMs: 5_000,
      onUpdate: (meta) => {
        if (meta.status === 'PROGRESS') void redis.set(gate, '1', 'EX', 60);
      },
    });
    expect(value).toBe('finished');
  }, 60_000);

  it('reads results from the Redis result backend', async () => {
    const t = await admin();
    const queue = `wk-redis-${shortId()}`;
    deleteAfter(t, [queue]);
    const app = amqpApp({ backend: REDIS_URL });
    const ids: string[] = [];
    cleanups.push(() => deleteRedisKeys(`celeriac-wk-none-${queue}:`, ids));
    await startPythonWorker({ broker: AMQP_URL, backend: REDIS_URL, queue }, [queue]);
    const added = await app.sendTask('wk.add', [2, 3], {}, { queue });
    const failed = await app.sendTask('wk.fail', ['over redis'], {}, { queue });
    ids.push(added.id, failed.id);
    await expect(added.get({ timeoutMs: 20_000 })).resolves.toBe(5);
    await expect(failed.get({ timeoutMs: 20_000 })).rejects.toMatchObject({
      excType: 'ValueError',
      excModule: 'builtins',
      excMessage: ['over redis'],
    });
  }, 60_000);
});
