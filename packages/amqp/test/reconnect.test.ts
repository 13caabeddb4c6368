import { createAmqpTransport } from '@celeriac/amqp';
import type { AmqpTransport, AmqpTransportOptions } from '@celeriac/amqp';
import { ErrorCode, TransportStatus } from '@celeriac/protocol';
import type { Delivery } from '@celeriac/protocol';
import { deliveryId, testMessage, waitFor } from '@celeriac/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AMQP_URL,
  TcpProxy,
  closeConnectionsNamed,
  recordingLogger,
  unique,
} from './support/rabbitmq.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

const fast = { initialDelayMs: 50, maxDelayMs: 400 };

function open(url: string, options: AmqpTransportOptions = {}): AmqpTransport {
  const t = createAmqpTransport(url, { reconnect: fast, logger: recordingLogger(), ...options });
  cleanup.push(() => t.close());
  return t;
}

async function queueFor(t: AmqpTransport, options: { autoDelete?: boolean } = {}): Promise<string> {
  const name = unique('rc');
  await t.declareQueue({ name, durable: false, ...options });
  cleanup.push(async () => {
    const admin = open(AMQP_URL);
    await admin.deleteQueue(name);
  });
  return name;
}

describe('recovery after a lost connection', () => {
  it('resumes consuming by itself after the broker closes the connection, losing nothing confirmed', async () => {
    const name = unique('consumer');
    const logger = recordingLogger();
    const consumer = open(AMQP_URL, { connectionName: name, logger });
    const producer = open(AMQP_URL);
    await consumer.connect();
    const queue = await queueFor(consumer);
    const statuses: string[] = [];
    consumer.onStatus((e) => statuses.push(e.status));

    const acked = new Set<string>();
    const held: Delivery[] = [];
    let holding = true;
    const subscription = await consumer.consume(
      [queue],
      (delivery) => {
        // Hold the first deliveries unsettled across the outage; ack everything else.
        if (holding && held.length < 3) held.push(delivery);
        else void delivery.ack().then(() => acked.add(deliveryId(delivery)));
      },
      { prefetch: 3, consumerTag: name },
    );
    const before = Array.from({ length: 10 }, (_, i) => `before-${i}`);
    for (const id of before)
      await producer.publish(testMessage(id), { exchange: '', routingKey: queue });
    await waitFor(() => held.length === 3, { timeoutMs: 5000, description: '3 held deliveries' });

    expect(await closeConnectionsNamed(name)).toBe(1);
    holding = false;
    await waitFor(() => statuses.includes(TransportStatus.reconnecting), { timeoutMs: 5000 });
    // These deliveries' channel is gone: the broker requeued them, so acking is a logged no-op.
    for (const delivery of held) await delivery.ack();
    expect(logger.lines.filter((l) => /channel it came on has closed/.test(l))).toHaveLength(3);

    const after = Array.from({ length: 10 }, (_, i) => `after-${i}`);
    for (const id of after)
      await producer.publish(testMessage(id), { exchange: '', routingKey: queue });
    await waitFor(() => acked.size === 20, {
      timeoutMs: 10_000,
      description: 'all 20 messages acked after the reconnection',
    });
    expect([...acked].sort()).toEqual([...before, ...after].sort());
    expect(statuses).toEqual([TransportStatus.reconnecting, TransportStatus.connected]);
    expect(consumer.status).toBe(TransportStatus.connected);
    expect(await producer.queueLength(queue)).toBe(0);
    await subscription.cancel();
  });

  it('makes publishes wait out an outage, then delivers them', async () => {
    await using proxy = await TcpProxy.start();
    const t = open(proxy.url());
    const consumer = open(AMQP_URL);
    const queue = await queueFor(consumer);
    const got: string[] = [];
    await consumer.consume([queue], (d) => void d.ack().then(() => got.push(deliveryId(d))), {
      prefetch: 10,
    });
    await t.connect();
    await t.publish(testMessage('first'), { exchange: '', routingKey: queue });

    proxy.cut();
    await waitFor(() => t.status === TransportStatus.reconnecting, { timeoutMs: 5000 });
    let confirmed = false;
    const publishing = t
      .publish(testMessage('during'), { exchange: '', routingKey: queue })
      .then(() => {
        confirmed = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(confirmed).toBe(false);
    proxy.restore();
    await publishing;
    await waitFor(() => got.length === 2, { timeoutMs: 5000 });
    expect(got).toEqual(['first', 'during']);
  });

  it('fails a publish with ConnectionLostError when the outage outlasts operationTimeoutMs', async () => {
    await using proxy = await TcpProxy.start();
    const t = open(proxy.url(), { operationTimeoutMs: 400 });
    await t.connect();
    proxy.cut();
    await waitFor(() => t.status === TransportStatus.reconnecting, { timeoutMs: 5000 });
    const started = Date.now();
    await expect(
      t.publish(testMessage('lost'), { exchange: '', routingKey: 'nowhere' }),
    ).rejects.toMatchObject({
      code: ErrorCode.connectionLost,
      retryable: true,
      message: expect.stringMatching(/no connection to .* within 400 ms/) as unknown,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    proxy.restore();
    await waitFor(() => t.status === TransportStatus.connected, { timeoutMs: 5000 });
  });

  it('declares again what it declared (auto-delete queues, bindings) and keeps the prefetch set live', async () => {
    await using proxy = await TcpProxy.start();
    const t = open(proxy.url());
    const producer = open(AMQP_URL);
    await t.connect();
    const exchange = unique('fan');
    cleanup.push(() => producer.deleteExchange(exchange));
    await t.declareExchange({ name: exchange, type: 'fanout', durable: false });
    const queue = unique('auto');
    await t.declareQueue({ name: queue, durable: false, autoDelete: true });
    await t.bindQueue({ queue, exchange, routingKey: '' });
    const deliveries: Delivery[] = [];
    const subscription = await t.consume([queue], (d) => void deliveries.push(d), { prefetch: 1 });
    subscription.setPrefetch(2);

    proxy.cut();
    // The auto-delete queue and its binding went with the connection.
    await waitFor(async () => (await producer.queueLength(queue)) === 0, { timeoutMs: 5000 });
    proxy.restore();
    await waitFor(() => t.status === TransportStatus.connected, { timeoutMs: 5000 });
    for (const id of ['a', 'b', 'c'])
      await producer.publish(testMessage(id), { exchange, routingKey: '' });
    await waitFor(() => deliveries.length === 2, {
      timeoutMs: 5000,
      description: 'two (prefetch 2)',
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(deliveries.map(deliveryId)).toEqual(['a', 'b']);
    for (const d of deliveries) await d.ack();
    await waitFor(() => deliveries.length === 3, { timeoutMs: 5000 });
    await deliveries[2]!.ack();
    await subscription.cancel();
  });

  it('restores a consumer the broker cancelled when its queue comes back', async () => {
    const logger = recordingLogger();
    const t = open(AMQP_URL, { logger });
    const admin = open(AMQP_URL);
    await t.connect();
    const queue = unique('cancelled');
    cleanup.push(() => admin.deleteQueue(queue));
    await admin.declareQueue({ name: queue, durable: false });
    const got: string[] = [];
    await t.consume([queue], (d) => void d.ack().then(() => got.push(deliveryId(d))), {
      prefetch: 5,
    });
    await admin.deleteQueue(queue);
    await waitFor(() => logger.lines.some((l) => /cancelled the consumer/.test(l)), {
      timeoutMs: 5000,
    });
    await admin.declareQueue({ name: queue, durable: false });
    await admin.publish(testMessage('back'), { exchange: '', routingKey: queue });
    await waitFor(() => got.includes('back'), {
      timeoutMs: 10_000,
      description: 'consumption to resume',
    });
    expect(t.status).toBe(TransportStatus.connected);
  });

  it('declares a queue deleted under its consumer again, as declared, and resumes', async () => {
    // A pidbox queue: auto-delete, expiring, bound to a fanout exchange. Another worker
    // with the same node name deletes it when it stops; this consumer must not lose it.
    const logger = recordingLogger();
    const t = open(AMQP_URL, { logger });
    const admin = open(AMQP_URL);
    const exchange = unique('pidbox');
    const queue = `${unique('node')}.${exchange}`;
    cleanup.push(() => admin.deleteExchange(exchange));
    await t.declareExchange({ name: exchange, type: 'fanout', durable: false });
    await t.declareQueue({
      name: queue,
      durable: false,
      autoDelete: true,
      expiresMs: 10_000,
      messageTtlMs: 300_000,
    });
    await t.bindQueue({ queue, exchange, routingKey: '' });
    const got: string[] = [];
    await t.consume([queue], (d) => void d.ack().then(() => got.push(deliveryId(d))), {
      prefetch: 5,
    });
    await admin.deleteQueue(queue);
    await waitFor(
      () => logger.lines.some((l) => l === `declared ${queue} again: the broker had deleted it`),
      {
        timeoutMs: 5000,
        description: 'the queue declared again',
      },
    );
    await admin.publish(testMessage('after'), { exchange, routingKey: '' });
    await waitFor(() => got.includes('after'), {
      timeoutMs: 5000,
      description: 'a message through the restored binding',
    });
    expect(logger.lines.filter((l) => /could not consume|404|NOT_FOUND/.test(l))).toEqual([]);
  });

  it('logs one line per failed reconnection attempt, through its logger', async () => {
    await using proxy = await TcpProxy.start();
    const logger = recordingLogger();
    const t = open(proxy.url(), { logger });
    await t.connect();
    proxy.cut();
    await waitFor(
      () => logger.lines.filter((l) => l.startsWith('reconnecting failed')).length >= 3,
      { timeoutMs: 5000, description: 'three failed attempts' },
    );
    proxy.restore();
    await waitFor(() => t.status === TransportStatus.connected, { timeoutMs: 5000 });
    const lines = logger.lines;
    expect(lines[0]).toMatch(
      /^connection to amqp:\/\/guest:\*\*\*\*@127\.0\.0\.1:\d+\/\/ lost \(.+\); reconnecting$/,
    );
    const failed = lines.slice(1, -1);
    failed.forEach((line, i) =>
      expect(line).toMatch(
        new RegExp(
          `^reconnecting failed \\(attempt ${i + 1}\\): Could not connect to .+; next try in \\d+ ms$`,
        ),
      ),
    );
    expect(lines.at(-1)).toMatch(
      new RegExp(`^reconnected to .+ \\(attempt ${failed.length + 1}\\)$`),
    );
    expect(lines.filter((l) => l.includes('\n'))).toEqual([]);
  });
});
