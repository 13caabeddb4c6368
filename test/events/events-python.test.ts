/**
 * Issue 20's Python interop on Redis, both ways, with a real Python Celery 5.2.6 worker
 * and a real celeriac worker:
 *
 * - celeriac publishes `shop.order.created`; a Python worker is one subscriber (a plain
 *   task that gets the payload and sees `celeriac_message` on its request), a celeriac
 *   worker the other;
 * - Python publishes the same event as a plain task message, `celeriac.publish(name,
 *   payload)` on the `celeriac.events` queue; the celeriac worker's publish bridge fans it
 *   out to both subscribers, with the bridge task's id as the message id; a payload that
 *   fails the event's schema fails the bridge task with the reason and reaches no one.
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
} from '@celeriac/protocol';
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

const orderCreated = defineEvent(
  'shop.order.created',
  z.object({ orderId: z.string(), email: z.string(), phone: z.string() }),
);
const subscriptions = [
  defineSubscription(orderCreated, 'py.email.order_confirmation', { queue: 'py-email' }),
  defineSubscription(orderCreated, 'ts.sms.order_confirmation', { queue: 'ts-sms' }),
];
const order = { orderId: 'A-1001', email: 'ada@example.com', phone: '+33600000000' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Sms {
  payload: unknown;
  header: MessageHeader | undefined;
}

async function setup() {
  const prefix = `celeriac-ev-${uuid4().slice(0, 8)}:`;
  const ids: string[] = [];
  const transport = createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix });
  const backend = createRedisResultBackend(TEST_REDIS_URL);
  const client: Client = createClient({ transport, backend, subscriptions });
  const sms: Sms[] = [];
  const worker: Worker = createWorker({
    transport: createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix }),
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
    queues: [PUBLISH_QUEUE, 'ts-sms'],
    logger: silentLogger,
    control: false,
  });
  cleanups.push(async () => {
    await worker.stop();
    await client.close();
    await transport.close();
    await backend.close();
    await deleteRedisKeys(
      prefix,
      ids.map((id) => `celery-task-meta-${id}`),
    );
  });
  await worker.start();
  const python = await startCeleryWorker({
    dir: PYTHON_DIR,
    env: { EV_BROKER: TEST_REDIS_URL, EV_PREFIX: prefix },
    app: 'events_app',
    queues: ['py-email'],
    nodename: `py-ev-${prefix.slice(12, 20)}@interop`,
  });
  const publishFromPython = async (name: string, payload: unknown) => {
    const id = uuid4();
    ids.push(id, ...subscriptions.map((s) => subscriptionTaskId(id, s.name)));
    const out = await runPython(['publish_event.py', JSON.stringify({ name, payload, id })], {
      dir: PYTHON_DIR,
      env: { EV_BROKER: TEST_REDIS_URL, EV_PREFIX: prefix },
    });
    expect(jsonLines(out)).toEqual([{ sent: id }]);
    return id;
  };
  return { client, sms, python, ids, publishFromPython };
}

describe('events between celeriac and Python Celery (Redis)', () => {
  it('celeriac publishes; a Python worker and a celeriac worker each run their subscription once', async () => {
    const { client, sms, ids, python } = await setup();
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
    const { client, sms, python, publishFromPython } = await setup();
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
