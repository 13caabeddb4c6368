/**
 * Issue 20 through `createApp` on memory://, Redis and RabbitMQ (results in Redis): the
 * shop's pipeline declared with `app.on` and run by `app.worker()`:
 *
 * - one `shop.order.created` published with `app.publish` → three subscriptions (two on
 *   the event, one on the pattern `shop.order.*`) → three tasks, each run once, each
 *   seeing the event id;
 * - the pattern's handler is a transformer whose output is published as the
 *   `analytics.order.facts` document (`emit`), loaded by the document's subscriber: the
 *   document pipeline end to end;
 * - `inspect subscriptions` lists every subscription, including a pattern that matched
 *   nothing and a task this worker does not run;
 * - a payload failing the schema is refused by `app.publish`; sent raw, it is recorded as
 *   the subscriber task's failure with the reason;
 * - with `app.acceptPublishes`, a raw `celeriac.publish(name, payload)` task (what a Python
 *   app sends) is fanned out to the same subscriptions, and a bad payload reaches no one.
 *
 * And: a second subscription of one name is refused (leaving no task), subscriptions follow
 * `withConnection`, none is added after close; on RabbitMQ with the `rpc://` backend (no
 * storage) a publish with a `dedupKey` is refused with one line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAmqpTransport } from '@celeriac/amqp';
import { DedupUnsupportedError } from '@celeriac/client';
import {
  PUBLISH_TASK,
  RemoteTaskError,
  defineDocument,
  defineEvent,
  readMessageHeader,
  uuid4,
  type MessageHeader,
} from '@celeriac/protocol';
import { silentLogger } from '@celeriac/worker';
import { createApp, type AppOptions } from 'celeriac';
import { TEST_REDIS_URL, deleteRedisKeys } from '../support/redis-keys.js';

const AMQP_URL = process.env['CELERIAC_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';
const orderCreated = defineEvent(
  'shop.order.created',
  z.object({ orderId: z.string(), email: z.string(), total: z.number() }),
);
const orderFacts = defineDocument(
  'analytics.order.facts',
  z.object({ orderId: z.string(), revenue: z.number() }),
);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Broker {
  name: string;
  options: (prefix: string) => AppOptions;
  /** Delete what the test left on the broker besides the Redis keys under its prefix. */
  clean: (queues: string[]) => Promise<void>;
}

const redisResults = (prefix: string) => ({
  backend: TEST_REDIS_URL,
  redisBackend: { keyPrefix: prefix },
});
const brokers: Broker[] = [
  { name: 'memory://', options: () => ({ broker: 'memory://' }), clean: async () => {} },
  {
    name: 'Redis',
    options: (prefix) => ({
      broker: TEST_REDIS_URL,
      redis: { globalKeyprefix: prefix },
      ...redisResults(prefix),
    }),
    clean: async () => {},
  },
  {
    name: 'RabbitMQ',
    options: (prefix) => ({ broker: AMQP_URL, ...redisResults(prefix) }),
    clean: async (queues) => {
      const amqp = createAmqpTransport(AMQP_URL);
      try {
        for (const q of queues) {
          await amqp.deleteQueue(q).catch(() => undefined);
          await amqp.deleteExchange(q).catch(() => undefined);
        }
      } finally {
        await amqp.close();
      }
    },
  },
];

describe.each(brokers)('app.on and app.publish on $name', (broker) => {
  it('fans one event out to three subscriptions, runs the document pipeline, lists them in inspect', async () => {
    const id = uuid4().slice(0, 8);
    const prefix = `celeriac-appev-${id}:`;
    const queue = (name: string) => `appev-${id}-${name}`;
    const hostname = `appev-${id}@test`;
    // A default queue of the test's own: the brokers are shared, `celery` is everyone's.
    const app = createApp({ ...broker.options(prefix), defaultQueue: queue('default') });
    const calls: { task: string; header: MessageHeader | undefined; payload: unknown }[] = [];
    const record =
      (task: string, out: (payload: never) => unknown = () => task) =>
      (ctx: { headers: Record<string, unknown> }, payload: unknown) => {
        calls.push({ task, header: readMessageHeader(ctx.headers), payload });
        return out(payload as never);
      };
    app.on(orderCreated, record('email'), { queue: queue('email'), task: 'shop.email' });
    app.on(orderCreated, record('sms'), { queue: queue('sms'), task: 'shop.sms' });
    app.on(
      'shop.order.*',
      record('facts', (order: { orderId: string; total: number }) => ({
        orderId: order.orderId,
        revenue: order.total,
      })),
      { queue: queue('analytics'), task: 'analytics.to_facts', emit: orderFacts },
    );
    app.on(orderFacts, record('load'), { queue: queue('warehouse'), task: 'warehouse.load' });
    // A pattern that matches nothing, and a task that runs elsewhere (a Python worker).
    app.on('payment.#', 'py.audit', { queue: queue('audit') });
    // Publishes from a publisher without the client (Python's send_task), on a queue of
    // the test's own.
    app.acceptPublishes({ contracts: [orderCreated], queue: queue('events') });
    const queues = ['email', 'sms', 'analytics', 'warehouse', 'audit', 'events'].map(queue);
    expect(app.workerQueues()).toEqual([
      queue('default'),
      ...queues.filter((q) => q !== queue('audit')),
    ]);

    const worker = await app.worker({ hostname, logger: silentLogger, concurrency: 4 });
    cleanups.push(async () => {
      await app.close();
      await broker.clean([...queues, queue('default')]);
      await deleteRedisKeys(prefix);
    });
    await worker.start();

    const order = { orderId: 'A-1001', email: 'ada@example.com', total: 59.9 };
    const published = await app.publish(orderCreated, order);
    expect(published.tasks.map((t) => t.task)).toEqual([
      'shop.email',
      'shop.sms',
      'analytics.to_facts',
    ]);
    const results = await Promise.all(
      published.tasks.map((t) => t.result.get({ timeoutMs: 15_000 })),
    );
    expect(results).toEqual(['email', 'sms', { orderId: 'A-1001', revenue: 59.9 }]);
    const deadline = Date.now() + 15_000;
    while (!calls.some((c) => c.task === 'load') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls.map((c) => c.task).sort()).toEqual(['email', 'facts', 'load', 'sms']);
    for (const call of calls.filter((c) => c.task !== 'load')) {
      expect(call.payload).toEqual(order);
      expect(call.header).toMatchObject({ kind: 'event', id: published.id });
    }
    const load = calls.find((c) => c.task === 'load')!;
    expect(load.payload).toEqual({ orderId: 'A-1001', revenue: 59.9 });
    // The document's id is the transformer task's id: a redelivery republishes the same.
    expect(load.header).toMatchObject({
      kind: 'document',
      name: 'analytics.order.facts',
      id: published.tasks[2]!.result.id,
    });

    const listed = await app.control
      .inspect({ destination: [hostname], timeoutMs: 5000 })
      .subscriptions();
    expect(listed[hostname]).toEqual([
      sub('shop.email', 'shop.order.created', queue('email'), true),
      sub('shop.sms', 'shop.order.created', queue('sms'), true),
      sub('analytics.to_facts', 'shop.order.*', queue('analytics'), true),
      sub('warehouse.load', 'analytics.order.facts', queue('warehouse'), true),
      sub('py.audit', 'payment.#', queue('audit'), false),
    ]);

    // Bad input: refused at publish, nothing sent; sent raw, the subscriber records why.
    await expect(app.publish(orderCreated, { ...order, total: 'lots' } as never)).rejects.toThrow(
      /^Invalid payload of event shop\.order\.created: payload\.total: expected number, received string$/,
    );
    const raw = await app.sendTask('shop.email', [{ orderId: 42 }], {}, { queue: queue('email') });
    const failure = await raw.get({ timeoutMs: 15_000, propagate: false });
    expect(failure).toBeInstanceOf(RemoteTaskError);
    expect((failure as RemoteTaskError).message).toMatch(
      /ValidationError: Invalid arguments for task shop\.email: args\[0\]\.orderId: expected string, received number; /,
    );
    expect(calls.filter((c) => c.task === 'email')).toHaveLength(1);

    // A raw `celeriac.publish(name, payload)` task, as a Python app sends it: fanned out
    // with its own id as the message id; a payload failing the schema fails it, reaching no one.
    const bridged = await app.sendTask<{ id: string; tasks: Record<string, string> }>(
      PUBLISH_TASK,
      ['shop.order.created', { ...order, orderId: 'A-1002' }],
      {},
      { queue: queue('events') },
    );
    const fannedOut = await bridged.get({ timeoutMs: 15_000 });
    expect(fannedOut.id).toBe(bridged.id);
    expect(Object.keys(fannedOut.tasks)).toEqual(['shop.email', 'shop.sms', 'analytics.to_facts']);
    const client = await app.client();
    for (const taskId of Object.values(fannedOut.tasks)) {
      await client.asyncResult(taskId).get({ timeoutMs: 15_000 });
    }
    expect(
      calls
        .filter((c) => c.header?.id === bridged.id)
        .map((c) => c.task)
        .sort(),
    ).toEqual(['email', 'facts', 'sms']);
    const refused = await app.sendTask(
      PUBLISH_TASK,
      ['shop.order.created', { orderId: 7 }],
      {},
      { queue: queue('events') },
    );
    const reason = await refused.get({ timeoutMs: 15_000, propagate: false });
    expect((reason as RemoteTaskError).message).toMatch(
      /Invalid payload of event shop\.order\.created: payload\.orderId: expected string, received number/,
    );
  }, 60_000);
});

function sub(task: string, pattern: string, queue: string, served: boolean) {
  const processed = served ? 1 : 0;
  return { name: task, pattern, task, queue, consumed: served, registered: served, processed };
}

describe('app.on declarations', () => {
  it('refuses a second subscription of one name, keeps them across withConnection, and none after close', async () => {
    const app = createApp({ broker: 'memory://' });
    cleanups.push(() => app.close());
    app.on(orderCreated, () => 'mailed', { task: 'shop.email', queue: 'email' });
    expect(() => app.on(orderCreated, () => 'again', { task: 'shop.email' })).toThrow(
      /^a subscription named "shop\.email" exists \(shop\.order\.created → shop\.email\); give the new one \(shop\.order\.created → shop\.email\) its own name$/,
    );
    // The refused one left no task behind.
    expect(app.tasks.map((t) => t.name)).toEqual(['shop.email']);
    app.on('shop.#', 'audit.record');
    expect(app.subscriptions.map((s) => [s.name, s.pattern, s.task, s.queue])).toEqual([
      ['shop.email', 'shop.order.created', 'shop.email', 'email'],
      ['audit.record', 'shop.#', 'audit.record', 'celeriac.sub.audit.record'],
    ]);
    const other = app.withConnection({ broker: 'memory://' });
    expect(other.subscriptions.map((s) => s.name)).toEqual(['shop.email', 'audit.record']);
    await other.close();
    await app.close();
    expect(() => app.on('shop.#', 'audit.late', { name: 'late' })).toThrow(/closed/i);
  });
});

describe('dedup without storage', () => {
  it('refuses a publish with a dedupKey on rpc:// with one line, sending nothing', async () => {
    const app = createApp({ broker: AMQP_URL, backend: 'rpc://' });
    cleanups.push(() => app.close());
    const queue = `appev-rpc-${uuid4().slice(0, 8)}`;
    app.on(orderCreated, 'shop.email', { queue });
    const order = { orderId: 'A-1', email: 'ada@example.com', total: 1 };
    const error = await app.publish(orderCreated, order, { dedupKey: 'checkout:A-1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DedupUnsupportedError);
    expect((error as Error).message).toBe(
      'dedupKey "checkout:A-1": the rpc result backend keeps no dedup records (claimDedup)',
    );
    const amqp = createAmqpTransport(AMQP_URL);
    try {
      expect(await amqp.queueLength(queue)).toBe(0);
    } finally {
      await amqp.deleteQueue(queue).catch(() => undefined);
      await amqp.close();
    }
  }, 30_000);
});
