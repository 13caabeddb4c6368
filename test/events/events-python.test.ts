/**
 * Issue 20's Python interop on Redis and on RabbitMQ (results in Redis), both ways, with a
 * real Python Celery 5.2.6 worker and a real celeriac worker:
 *
 * - celeriac publishes `shop.order.created`; a Python worker is one subscriber (a plain
 *   task that gets the payload and sees `celeriac_message` on its request), a celeriac
 *   worker the other;
 * - Python publishes the same event as a plain task message, `celeriac.publish(name,
 *   payload)` on the `celeriac.events` queue; the celeriac worker's publish bridge fans it
 *   out to both subscribers, with the bridge task's id as the message id; a payload that
 *   fails the event's schema fails the bridge task with the reason and reaches no one.
 *
 * One set of steps for both brokers: only the connections and the queue names differ
 * (Redis gets a key prefix of the test's own; RabbitMQ has none, so the queues carry it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { z } from 'zod';
import { createClient, publishBridge, type Client } from '@celeriac/client';
import {
  PUBLISH_QUEUE,
  PUBLISH_TASK,
  RemoteTaskError,
  defineEvent,
  defineSubscription,
  readMessageHeader,
  subscriptionTaskId,
  uuid4,
  type MessageHeader,
  type Transport,
} from '@celeriac/protocol';
import { AmqpTransport, createAmqpTransport } from '@celeriac/amqp';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger, type Worker } from '@celeriac/worker';
import {
  jsonLines,
  killPythonChildren,
  runPython,
  startCeleryWorker,
} from '../support/python-celery.js';
import { TEST_REDIS_URL, deleteRedisKeys } from '../support/redis-keys.js';

const PYTHON_DIR = join(import.meta.dirname, 'python');

const AMQP_URL = process.env['CELERIAC_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';
const orderCreated = defineEvent(
  'shop.order.created',
  z.object({ orderId: z.string(), email: z.string(), phone: z.string() }),
);
const order = { orderId: 'A-1001', email: 'ada@example.com', phone: '+33600000000' };

interface Broker {
  name: string;
  url: string;
  transport(prefix: string): Transport;
  /** A queue name of the test's own on this broker. */
  queue(prefix: string, name: string): string;
}
const brokers: Broker[] = [
  {
    name: 'Redis',
    url: TEST_REDIS_URL,
    transport: (prefix) => createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix }),
    queue: (_prefix, name) => name,
  },
  {
    name: 'RabbitMQ',
    url: AMQP_URL,
    transport: () => createAmqpTransport(AMQP_URL),
    queue: (prefix, name) => `${prefix}${name}`,
  },
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Sms {
  payload: unknown;
  header: MessageHeader | undefined;
}

async function setup(broker: Broker) {
  const prefix = `celeriac-ev-${uuid4().slice(0, 8)}:`;
  const q = (name: string) => broker.queue(prefix, name);
  const queues = [q(PUBLISH_QUEUE), q('py-email'), q('ts-sms')];
  const subscriptions = [
    defineSubscription(orderCreated, 'py.email.order_confirmation', { queue: q('py-email') }),
    defineSubscription(orderCreated, 'ts.sms.order_confirmation', { queue: q('ts-sms') }),
  ];
  const ids: string[] = [];
  const transport = broker.transport(prefix);
  const backend = createRedisResultBackend(TEST_REDIS_URL);
  const client: Client = createClient({ transport, backend, subscriptions });
  const sms: Sms[] = [];
  const worker: Worker = createWorker({
    transport: broker.transport(prefix),
    backend: createRedisResultBackend(TEST_REDIS_URL),
    ownTransport: true,
    ownBackend: true,
    tasks: [
      implementTask(PUBLISH_TASK, publishBridge(client, [orderCreated]), { acksLate: true }),
      implementTask('ts.sms.order_confirmation', (ctx, payload: unknown) => {
        sms.push({ payload, header: readMessageHeader(ctx.headers) });
        return 'sent';
      }),
    ],
    queues: [q(PUBLISH_QUEUE), q('ts-sms')],
    logger: silentLogger,
    control: false,
  });
  cleanups.push(async () => {
    await worker.stop();
    await client.close();
    if (transport instanceof AmqpTransport) {
      for (const name of queues) {
        await transport.deleteQueue(name).catch(() => undefined);
        await transport.deleteExchange(name).catch(() => undefined);
      }
    }
    await transport.close();
    await backend.close();
    await deleteRedisKeys(
      prefix,
      ids.map((id) => `celery-task-meta-${id}`),
    );
  });
  await worker.start();
  const env = {
    EV_BROKER: broker.url,
    EV_BACKEND: TEST_REDIS_URL,
    EV_PREFIX: broker.url === TEST_REDIS_URL ? prefix : '',
    EV_EVENTS_QUEUE: q(PUBLISH_QUEUE),
  };
  const python = await startCeleryWorker({
    dir: PYTHON_DIR,
    env,
    app: 'events_app',
    queues: [q('py-email')],
    nodename: `py-ev-${prefix.slice(12, 20)}@interop`,
  });
  const publishFromPython = async (name: string, payload: unknown) => {
    const id = uuid4();
    ids.push(id, ...subscriptions.map((s) => subscriptionTaskId(id, s.name)));
    const out = await runPython(['publish_event.py', JSON.stringify({ name, payload, id })], {
      dir: PYTHON_DIR,
      env,
    });
    expect(jsonLines(out)).toEqual([{ sent: id }]);
    return id;
  };
  return { client, sms, python, ids, publishFromPython };
}

describe.each(brokers)('events between celeriac and Python Celery ($name)', (broker) => {
  it('celeriac publishes; a Python worker and a celeriac worker each run their subscription once', async () => {
    const { client, sms, ids, python } = await setup(broker);
    const published = await client.publish(orderCreated, order);
    ids.push(...published.tasks.map((t) => t.result.id));
    const [email, text] = published.tasks;
    const header = {
      kind: 'event',
      id: published.id,
      name: 'shop.order.created',
      subscription: 'py.email.order_confirmation',
    };
    expect(await email!.result.get({ timeoutMs: 20_000 })).toMatchObject({
      to: 'ada@example.com',
      order: 'A-1001',
      message: header,
    });
    expect(await text!.result.get({ timeoutMs: 20_000 })).toBe('sent');
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ payload: order, header: { id: published.id } });
    expect(
      python.output().match(/Task py\.email\.order_confirmation\[[^\]]+\] succeeded/g),
    ).toHaveLength(1);
  }, 60_000);

  it('Python publishes through celeriac.publish; both subscribers get it; a bad payload reaches no one', async () => {
    const { client, sms, python, publishFromPython } = await setup(broker);
    const id = await publishFromPython('shop.order.created', order);
    const bridged = await client
      .asyncResult<{ id: string; tasks: Record<string, string> }>(id)
      .get({
        timeoutMs: 20_000,
      });
    expect(bridged.id).toBe(id);
    const emailId = subscriptionTaskId(id, 'py.email.order_confirmation');
    expect(bridged.tasks).toEqual({
      'py.email.order_confirmation': emailId,
      'ts.sms.order_confirmation': subscriptionTaskId(id, 'ts.sms.order_confirmation'),
    });
    expect(await client.asyncResult(emailId).get({ timeoutMs: 20_000 })).toMatchObject({
      order: 'A-1001',
      message: { id, name: 'shop.order.created' },
    });
    await client
      .asyncResult(bridged.tasks['ts.sms.order_confirmation']!)
      .get({ timeoutMs: 20_000 });
    expect(sms.map((s) => s.header?.id)).toEqual([id]);

    const bad = await publishFromPython('shop.order.created', { orderId: 42 });
    const failure = await client.asyncResult(bad).get({ timeoutMs: 20_000, propagate: false });
    expect(failure).toBeInstanceOf(RemoteTaskError);
    expect(String((failure as RemoteTaskError).message)).toMatch(
      /Invalid payload of event shop\.order\.created: payload\.orderId: expected string, received number/,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sms).toHaveLength(1);
    expect(
      python.output().match(/Task py\.email\.order_confirmation\[[^\]]+\] succeeded/g),
    ).toHaveLength(1);
  }, 60_000);
});
