import {
  celeryEventQueue,
  celeryPidboxQueue,
  celeryReplyQueue,
  celeryTaskQueue,
  declareQueueDeclaration,
  rpcResultQueue,
} from '@celeriac/amqp';
import type { AmqpTransport, QueueDeclaration } from '@celeriac/amqp';
import type { Delivery } from '@celeriac/protocol';
import { testMessage, waitFor } from '@celeriac/testing';
import { describe, expect, it } from 'vitest';
import { argumentMap, exchangeInfo, queueInfo, unique } from './support/rabbitmq.js';
import { transportsFixture } from './support/transports.js';

const { cleanup, transport } = transportsFixture();

async function declare(t: AmqpTransport, declaration: QueueDeclaration): Promise<void> {
  cleanup.push(() => t.deleteQueue(declaration.queue.name));
  const exchange = declaration.exchange?.name;
  // Shared names (celery.pidbox, celeryev) are left alone: Python workers may use them.
  if (exchange !== undefined && exchange.includes('-'))
    cleanup.push(() => t.deleteExchange(exchange));
  await declareQueueDeclaration(t, declaration);
}

describe("Celery 5.2's topology, as RabbitMQ sees it", () => {
  it('declares a task queue like kombu.Queue(name, Exchange(name, "direct"), name)', async () => {
    const t = await transport();
    const name = unique('tasks');
    await declare(t, celeryTaskQueue(name));
    expect(await queueInfo(name)).toMatchObject({
      durable: true,
      auto_delete: false,
      exclusive: false,
      arguments: [],
      type: 'classic',
    });
    expect(await exchangeInfo(name)).toMatchObject({
      type: 'direct',
      durable: true,
      auto_delete: false,
    });
    // Bound by its name *and* reachable through the default exchange, as Celery publishes.
    await t.publish(testMessage('via-exchange'), { exchange: name, routingKey: name });
    await t.publish(testMessage('via-default'), { exchange: '', routingKey: name });
    expect(await t.queueLength(name)).toBe(2);
  });

  it('declares pidbox, reply, event and rpc queues with x-arguments as py-amqp writes them', async () => {
    const t = await transport();
    const node = unique('w1@host');
    const oid = unique('oid');
    const pidbox = celeryPidboxQueue(node);
    const reply = celeryReplyQueue(oid);
    const events = celeryEventQueue(unique('ev'), 'worker.#');
    const rpc = rpcResultQueue(unique('rpc'), 86_400_000);
    for (const declaration of [pidbox, reply, events, rpc]) await declare(t, declaration);

    const transient = { durable: false, auto_delete: true, exclusive: false };
    const pidboxInfo = await queueInfo(`${node}.celery.pidbox`);
    expect(pidboxInfo).toMatchObject(transient);
    // signedint, not the short/byte amqplib would pick: RabbitMQ compares argument types,
    // so only these are equivalent to what Python Celery declares.
    expect(argumentMap(pidboxInfo!.arguments)).toEqual({
      'x-expires': ['signedint', 10_000],
      'x-message-ttl': ['signedint', 300_000],
    });
    const replyInfo = await queueInfo(`${oid}.reply.celery.pidbox`);
    expect(argumentMap(replyInfo!.arguments)).toEqual({
      'x-expires': ['signedint', 10_000],
      'x-message-ttl': ['signedint', 300_000],
    });
    const eventInfo = await queueInfo(events.queue.name);
    expect(eventInfo).toMatchObject(transient);
    expect(argumentMap(eventInfo!.arguments)).toEqual({
      'x-expires': ['signedint', 60_000],
      'x-message-ttl': ['signedint', 5_000],
    });
    const rpcInfo = await queueInfo(rpc.queue.name);
    expect(rpcInfo).toMatchObject(transient);
    expect(argumentMap(rpcInfo!.arguments)).toEqual({ 'x-expires': ['signedint', 86_400_000] });

    expect(await exchangeInfo('celery.pidbox')).toMatchObject({ type: 'fanout', durable: false });
    expect(await exchangeInfo('reply.celery.pidbox')).toMatchObject({
      type: 'direct',
      durable: false,
    });
    expect(await exchangeInfo('celeryev')).toMatchObject({ type: 'topic', durable: true });
  });

  it('maps every QueueSpec option to its x-argument', async () => {
    const t = await transport();
    const name = unique('args');
    const dlx = unique('dlx');
    cleanup.push(() => t.deleteQueue(name));
    await t.declareQueue({
      name,
      durable: true,
      maxPriority: 10,
      messageTtlMs: 60_000,
      expiresMs: 600_000,
      maxLength: 1000,
      deadLetterExchange: dlx,
      deadLetterRoutingKey: 'dead',
    });
    expect(argumentMap((await queueInfo(name))!.arguments)).toEqual({
      'x-max-priority': ['signedint', 10],
      'x-message-ttl': ['signedint', 60_000],
      'x-expires': ['signedint', 600_000],
      'x-max-length': ['signedint', 1000],
      'x-dead-letter-exchange': ['longstr', dlx],
      'x-dead-letter-routing-key': ['longstr', 'dead'],
    });
    // Declaring it again with the same spec is harmless; with other arguments RabbitMQ refuses.
    await t.declareQueue({
      name,
      durable: true,
      maxPriority: 10,
      messageTtlMs: 60_000,
      expiresMs: 600_000,
      maxLength: 1000,
      deadLetterExchange: dlx,
      deadLetterRoutingKey: 'dead',
    });
    await expect(t.declareQueue({ name, durable: true, maxPriority: 5 })).rejects.toMatchObject({
      code: 'ERR_TRANSPORT',
      message: expect.stringMatching(/inequivalent arg/) as unknown,
    });
  });

  it('declares quorum queues and refuses impossible quorum specs', async () => {
    const t = await transport();
    const name = unique('quorum');
    cleanup.push(() => t.deleteQueue(name));
    await t.declareQueue({ name, quorum: true });
    const info = await queueInfo(name);
    expect(info).toMatchObject({ type: 'quorum', durable: true });
    expect(argumentMap(info!.arguments)['x-queue-type']).toEqual(['longstr', 'quorum']);
    await expect(
      t.declareQueue({ name: unique('q'), quorum: true, autoDelete: true }),
    ).rejects.toThrow(/quorum queue must be durable/);
  });

  it('dead-letters a message rejected without requeue', async () => {
    const t = await transport();
    const dlx = unique('dlx');
    const dead = unique('dead');
    const work = unique('work');
    cleanup.push(() => t.deleteExchange(dlx));
    await declare(t, {
      exchange: { name: dlx, type: 'direct', durable: false },
      queue: { name: dead, durable: false },
      binding: { queue: dead, exchange: dlx, routingKey: 'dead' },
    });
    cleanup.push(() => t.deleteQueue(work));
    await t.declareQueue({
      name: work,
      durable: false,
      deadLetterExchange: dlx,
      deadLetterRoutingKey: 'dead',
    });
    await t.publish(testMessage('poison'), { exchange: '', routingKey: work });
    const got: Delivery[] = [];
    const sub = await t.consume([work], (d) => void got.push(d), { prefetch: 1 });
    await waitFor(() => got.length === 1, { timeoutMs: 5000 });
    await got[0]!.reject({ requeue: false });
    await sub.cancel();
    await waitFor(async () => (await t.queueLength(dead)) === 1, { timeoutMs: 5000 });
    expect(await t.queueLength(work)).toBe(0);
  });

  it('drops messages by queue TTL and by the per-message expiration property', async () => {
    const t = await transport();
    const byQueue = unique('ttl');
    const byMessage = unique('exp');
    cleanup.push(() => t.deleteQueue(byQueue));
    cleanup.push(() => t.deleteQueue(byMessage));
    await t.declareQueue({ name: byQueue, durable: false, messageTtlMs: 100 });
    await t.declareQueue({ name: byMessage, durable: false });
    await t.publish(testMessage('short'), { exchange: '', routingKey: byQueue });
    await t.publish(testMessage('expiring', { properties: { expiration: '100' } }), {
      exchange: '',
      routingKey: byMessage,
    });
    await t.publish(testMessage('lasting'), { exchange: '', routingKey: byMessage });
    await waitFor(async () => (await t.queueLength(byQueue)) === 0, { timeoutMs: 5000 });
    await waitFor(async () => (await t.queueLength(byMessage)) === 1, { timeoutMs: 5000 });
  });

  it('serves an x-max-priority queue highest priority first across 0..9', async () => {
    const t = await transport();
    const name = unique('prio');
    cleanup.push(() => t.deleteQueue(name));
    await t.declareQueue({ name, durable: true, maxPriority: 10 });
    const order = [3, 0, 9, 5, 1, 7, 9, 2];
    for (const [i, priority] of order.entries()) {
      await t.publish(testMessage(`p${priority}-${i}`, { properties: { priority } }), {
        exchange: '',
        routingKey: name,
      });
    }
    const got: string[] = [];
    const sub = await t.consume(
      [name],
      (d) => {
        got.push(`${d.message.properties.priority}`);
        void d.ack();
      },
      { prefetch: 1 },
    );
    await waitFor(() => got.length === order.length, { timeoutMs: 5000 });
    await sub.cancel();
    expect(got).toEqual(['9', '9', '7', '5', '3', '2', '1', '0']);
  });
});
