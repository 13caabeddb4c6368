/**
 * Interop with real Python Celery 5.2.6 over RabbitMQ: a Python client's task messages as
 * our transport receives them; our task messages executed by a Python worker, results
 * read through our rpc:// backend and from Redis; our rpc:// replies read by a Python
 * client; routing and fanout between the two.
 */
import { randomUUID } from 'node:crypto';
import {
  celeryTaskQueue,
  createAmqpTransport,
  createRpcResultBackend,
  declareQueueDeclaration,
} from '@celeriac/amqp';
import type { AmqpTransport, RpcResultBackend } from '@celeriac/amqp';
import type { BrokerMessage, Delivery, TaskEmbed } from '@celeriac/protocol';
import { decodeTaskMessage, encodeTaskMessage } from '@celeriac/protocol';
import { waitFor } from '@celeriac/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BROKER_URL,
  killPythonChildren,
  sendTasks,
  startPythonWorker,
  unique,
} from './python-celery.js';

const quiet = { warn: () => undefined };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  await killPythonChildren();
});

async function transport(): Promise<AmqpTransport> {
  const t = createAmqpTransport(BROKER_URL, { logger: quiet });
  cleanup.push(() => t.close());
  await t.connect();
  return t;
}

function deleteAfter(t: AmqpTransport, ...queues: string[]): void {
  for (const queue of queues) cleanup.push(() => t.deleteQueue(queue));
}

async function collect(t: AmqpTransport, queue: string): Promise<Delivery[]> {
  const got: Delivery[] = [];
  await t.consume([queue], (d) => void d.ack().then(() => got.push(d)), { prefetch: 10 });
  return got;
}

/** The decoded `[args, kwargs, embed]` of a task message, by the protocol's own decoder. */
function body(message: BrokerMessage): [unknown[], Record<string, unknown>, TaskEmbed] {
  const decoded = decodeTaskMessage(message);
  return [decoded.args, decoded.kwargs, decoded.embed];
}

/** A protocol-v2 task message as Celery 5.2's `as_task_v2` lays it out (the protocol's encoder). */
function taskMessage(
  task: string,
  args: unknown[],
  options: { id?: string; replyTo?: string; priority?: number } = {},
): BrokerMessage {
  return encodeTaskMessage({
    headers: { task, id: options.id ?? randomUUID(), origin: 'gen1@celeriac' },
    args,
    properties: {
      ...(options.replyTo === undefined ? {} : { replyTo: options.replyTo }),
      priority: options.priority ?? 0,
    },
  });
}

describe('a Python Celery 5.2 client → the celeriac AMQP transport', () => {
  it('receives its task messages with headers, properties and priority as Celery sent them', async () => {
    const t = await transport();
    const queue = unique('interop-a');
    deleteAfter(t, queue);
    // Declared here with x-max-priority; Python declares the same queue again before
    // publishing, and RabbitMQ accepts it only if the arguments are equivalent.
    await declareQueueDeclaration(t, celeryTaskQueue(queue, { maxPriority: 10 }));
    cleanup.push(() => t.deleteExchange(queue));
    const sent = await sendTasks(
      [
        { task: 'interop.add', args: [2, 3], options: { queue, priority: 3, expires: 60 } },
        {
          task: 'interop.echo',
          args: ['ünï', 1.5],
          kwargs: { k: [1, null, 'x'] },
          options: {
            queue,
            priority: 9,
            headers: {
              x_small: 200,
              x_negative: -5,
              x_int32: 2_000_000_000,
              // py-amqp writes these as type L, which amqplib alone cannot decode.
              x_big: 2 ** 40,
              x_neg_big: -(2 ** 40),
              x_float: 2.5,
              x_list: [1, null, 'a'],
              x_table: { a: 1, b: [true] },
            },
          },
        },
      ],
      { maxPriority: 10 },
    );
    const got = await collect(t, queue);
    await waitFor(() => got.length === 2, { timeoutMs: 10_000, description: 'both tasks' });
    // Priority 9 overtakes 3 only if both were queued before consuming; check by id instead.
    const add = got.find((d) => d.message.headers.task === 'interop.add')!;
    const echo = got.find((d) => d.message.headers.task === 'interop.echo')!;
    const addId = sent[0]!.sent as string;
    expect(add.exchange).toBe('');
    expect(add.routingKey).toBe(queue);
    expect(add.message.contentType).toBe('application/json');
    expect(add.message.contentEncoding).toBe('utf-8');
    expect(add.message.properties).toMatchObject({
      correlationId: addId,
      deliveryMode: 2,
      priority: 3,
    });
    expect(add.message.properties.replyTo).toMatch(/^[0-9a-f-]{36}$/);
    // kombu turns expires=60 into a broker TTL in milliseconds, as a string.
    expect(Number(add.message.properties.expiration)).toBeGreaterThan(55_000);
    expect(Number(add.message.properties.expiration)).toBeLessThanOrEqual(60_000);
    expect(add.message.headers).toMatchObject({
      lang: 'py',
      task: 'interop.add',
      id: addId,
      shadow: null,
      eta: null,
      group: null,
      group_index: null,
      retries: 0,
      timelimit: [null, null],
      root_id: addId,
      parent_id: null,
      argsrepr: '[2, 3]', // send_task got a list: repr of a list
      kwargsrepr: '{}',
      ignore_result: false,
    });
    expect(add.message.headers.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);
    expect(add.message.headers.origin).toMatch(/^gen\d+@/);
    const decoded = decodeTaskMessage(add.message);
    expect(decoded.protocol).toBe('v2');
    expect(decoded.headers).toMatchObject({ task: 'interop.add', id: addId, rootId: addId });
    expect(decoded.headers.expires).toBeInstanceOf(Date);
    expect(body(add.message)).toEqual([
      [2, 3],
      {},
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ]);

    expect(echo.message.properties.priority).toBe(9);
    expect(echo.message.headers).toMatchObject({
      x_small: 200,
      x_negative: -5,
      x_int32: 2_000_000_000,
      x_big: 2 ** 40,
      x_neg_big: -(2 ** 40),
      x_float: 2.5,
      x_list: [1, null, 'a'],
      x_table: { a: 1, b: [true] },
    });
    expect(body(echo.message)).toEqual([
      ['ünï', 1.5],
      { k: [1, null, 'x'] },
      { callbacks: null, errbacks: null, chain: null, chord: null },
    ]);
  });
});

describe('celeriac AMQP transport → a Python Celery 5.2 worker', () => {
  it('has its task messages executed, results read through the rpc:// backend', async () => {
    const t = await transport();
    const queue = unique('interop-b');
    deleteAfter(t, queue);
    await declareQueueDeclaration(t, celeryTaskQueue(queue));
    cleanup.push(() => t.deleteExchange(queue));
    const backend: RpcResultBackend = createRpcResultBackend(BROKER_URL, { transport: t });
    await backend.connect();
    deleteAfter(t, backend.replyTo);
    await using _worker = await startPythonWorker([queue], { resultBackend: 'rpc://' });

    // Headers whose integers amqplib alone would encode as byte/short (which py-amqp
    // misreads); the worker must still parse the message.
    const add = taskMessage('interop.add', [200, -5], { replyTo: backend.replyTo });
    Object.assign(add.headers, {
      x_small: 200,
      x_negative: -1,
      x_big: 3_000_000_000,
      x_float: 0.5,
    });
    const fail = taskMessage('interop.fail', ['boom'], { replyTo: backend.replyTo });
    for (const message of [add, fail]) {
      await backend.expect(message.headers.id as string);
      await t.publish(message, { exchange: '', routingKey: queue });
    }
    await expect(
      backend.wait(add.headers.id as string, { timeoutMs: 20_000 }),
    ).resolves.toMatchObject({
      status: 'SUCCESS',
      result: 195,
      dateDone: null,
    });
    const failed = await backend.wait(fail.headers.id as string, { timeoutMs: 20_000 });
    expect(failed).toMatchObject({
      status: 'FAILURE',
      result: { excType: 'ValueError', excMessage: ['boom'], excModule: 'builtins' },
    });
    expect(failed.traceback).toMatch(/ValueError: boom/);
  });

  it('has its task messages executed, results read from the Redis backend', async () => {
    const t = await transport();
    const queue = unique('interop-b-redis');
    deleteAfter(t, queue);
    await declareQueueDeclaration(t, celeryTaskQueue(queue));
    cleanup.push(() => t.deleteExchange(queue));
    // Celery 5.2's Redis result backend has no key prefix: the task id keeps keys apart.
    const redis = new Redis('redis://127.0.0.1:6379/0', { lazyConnect: true });
    const message = taskMessage('interop.echo', ['ünï', { a: [1, null] }]);
    const key = `celery-task-meta-${message.headers.id as string}`;
    cleanup.push(async () => {
      await redis.del(key);
      redis.disconnect();
    });
    await using _worker = await startPythonWorker([queue], {
      resultBackend: 'redis://127.0.0.1:6379/0',
    });
    await t.publish(message, { exchange: '', routingKey: queue });
    const raw = await waitFor(() => redis.get(key).then((v) => v ?? undefined), {
      timeoutMs: 20_000,
      description: key,
    });
    expect(JSON.parse(raw)).toMatchObject({
      status: 'SUCCESS',
      result: { args: ['ünï', { a: [1, null] }], kwargs: {} },
      task_id: message.headers.id,
    });
  });
});

describe('celeriac rpc:// backend → a Python Celery 5.2 client', () => {
  it('sends replies that a Python client reads with AsyncResult.get()', async () => {
    const t = await transport();
    const queue = unique('interop-rpc');
    deleteAfter(t, queue);
    await declareQueueDeclaration(t, celeryTaskQueue(queue));
    cleanup.push(() => t.deleteExchange(queue));
    // Act as the worker: take the Python client's task and answer on its reply_to.
    const worker = createRpcResultBackend(BROKER_URL, { transport: t });
    await t.consume(
      [queue],
      (delivery) => {
        void (async () => {
          const { headers, properties } = delivery.message;
          const [args] = body(delivery.message) as [number[], unknown, unknown];
          const meta = {
            taskId: headers.id as string,
            traceback: null,
            children: [],
            dateDone: null,
          };
          const context = {
            replyTo: properties.replyTo!,
            correlationId: properties.correlationId!,
          };
          await worker.store(
            { ...meta, status: 'STARTED', result: { pid: 1, hostname: 'ts' } },
            context,
          );
          if (headers.task === 'interop.fail') {
            await worker.store(
              {
                ...meta,
                status: 'FAILURE',
                result: { excType: 'ValueError', excMessage: ['from ts'], excModule: 'builtins' },
                traceback: 'Traceback…',
              },
              context,
            );
          } else {
            await worker.store(
              { ...meta, status: 'SUCCESS', result: args[0]! + args[1]! },
              context,
            );
          }
          await delivery.ack();
        })();
      },
      { prefetch: 4 },
    );
    const lines = await sendTasks(
      [
        { task: 'interop.add', args: [20, 22], options: { queue }, wait: true },
        { task: 'interop.fail', args: ['x'], options: { queue }, wait: true },
      ],
      { resultBackend: 'rpc://' },
    );
    const results = lines.filter((l) => 'status' in l);
    expect(results).toEqual([
      { id: lines[0]!.sent, status: 'SUCCESS', result: 42 },
      { id: lines[1]!.sent, status: 'FAILURE', error: 'ValueError', message: 'from ts' },
    ]);
  });
});

describe('routing between Python Celery and celeriac', () => {
  it('routes a Python client’s tasks by routing key to two queues, and fans a broadcast out to two consumers once each', async () => {
    const t = await transport();
    const topic = unique('clusters');
    const fanout = unique('feed');
    const [eu, orders, f1, f2] = [unique('eu'), unique('orders'), unique('f1'), unique('f2')];
    deleteAfter(t, eu, orders, f1, f2);
    cleanup.push(() => t.deleteExchange(topic));
    cleanup.push(() => t.deleteExchange(fanout));
    await t.declareExchange({ name: topic, type: 'topic' });
    await t.declareExchange({ name: fanout, type: 'fanout' });
    for (const [queue, exchange, routingKey] of [
      [eu, topic, '*.eu'],
      [orders, topic, 'orders.#'],
      [f1, fanout, ''],
      [f2, fanout, ''],
    ] as const) {
      await t.declareQueue({ name: queue, durable: false });
      await t.bindQueue({ queue, exchange, routingKey });
    }
    const got = {
      eu: await collect(t, eu),
      orders: await collect(t, orders),
      f1: await collect(t, f1),
      f2: await collect(t, f2),
    };
    const spec = (tag: string, exchange: string, routing_key: string) => ({
      task: 'interop.echo',
      args: [tag],
      options: { exchange, routing_key },
    });
    await sendTasks([
      spec('orders.eu', topic, 'orders.eu'),
      spec('users.eu', topic, 'users.eu'),
      spec('orders.us', topic, 'orders.us.east'),
      spec('nobody', topic, 'users.us'),
      spec('broadcast', fanout, 'ignored'),
    ]);
    await waitFor(() => got.eu.length + got.orders.length + got.f1.length + got.f2.length === 6, {
      timeoutMs: 10_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const tags = (ds: Delivery[]) => ds.map((d) => String(body(d.message)[0][0])).sort();
    expect({
      eu: tags(got.eu),
      orders: tags(got.orders),
      f1: tags(got.f1),
      f2: tags(got.f2),
    }).toEqual({
      eu: ['orders.eu', 'users.eu'],
      orders: ['orders.eu', 'orders.us'],
      f1: ['broadcast'],
      f2: ['broadcast'],
    });
    expect(got.f1[0]!.exchange).toBe(fanout);
  });
});
