/**
 * Conformance cases: publishing and routing (default, direct, topic, fanout exchanges),
 * FIFO order, priorities, and an exact round trip of every message field.
 */
import type { BrokerMessage, Transport } from '@celeriac/protocol';
import { expect, it } from 'vitest';
import { collectDeliveries } from './collect-deliveries.js';
import type { DeliveryCollector } from './collect-deliveries.js';
import { testMessage } from './test-message.js';
import type { TransportTestContext } from './transport-context.js';

/** Consume each queue with its own collector (auto-acked), keyed by queue name. */
async function collectEach(
  transport: Transport,
  queues: readonly string[],
): Promise<Map<string, DeliveryCollector>> {
  const collectors = new Map<string, DeliveryCollector>();
  for (const queue of queues) {
    collectors.set(queue, await collectDeliveries(transport, [queue], { autoAck: true }));
  }
  return collectors;
}

/** Ids received per queue, sorted, after the expected total arrived and a quiet period. */
async function settle(
  ctx: TransportTestContext,
  collectors: Map<string, DeliveryCollector>,
  total: number,
): Promise<Record<string, string[]>> {
  const deadline = Date.now() + ctx.timeoutMs;
  const count = () => [...collectors.values()].reduce((n, c) => n + c.deliveries.length, 0);
  while (count() < total && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await ctx.quiet();
  const out: Record<string, string[]> = {};
  for (const [queue, collector] of collectors) out[queue] = collector.ids().sort();
  return out;
}

/** Register the routing cases; `use` returns the current test's context. */
export function registerRoutingCases(use: () => TransportTestContext): void {
  it('delivers a default-exchange publish to the queue named by the routing key', async () => {
    const ctx = use();
    const producer = await ctx.transport();
    const consumer = await ctx.transport();
    const queue = await ctx.queue(producer);
    const collector = await collectDeliveries(consumer, [queue]);
    await producer.publish(testMessage('hello'), { exchange: '', routingKey: queue });
    const [delivery] = await collector.waitForCount(1, ctx.timeoutMs);
    expect(delivery!.queue).toBe(queue);
    expect(delivery!.exchange).toBe('');
    expect(delivery!.routingKey).toBe(queue);
    expect(delivery!.redelivered).toBe(false);
    expect(typeof delivery!.deliveryTag).toBe('string');
    expect(delivery!.deliveryTag).not.toBe('');
    await delivery!.ack();
  });

  it('delivers in FIFO order within a queue', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport);
    const ids = Array.from({ length: 25 }, (_, i) => `m${i}`);
    for (const id of ids)
      await transport.publish(testMessage(id), { exchange: '', routingKey: queue });
    const collector = await collectDeliveries(transport, [queue], { autoAck: true });
    await collector.waitForCount(ids.length, ctx.timeoutMs);
    expect(collector.ids()).toEqual(ids);
  });

  it('routes through a direct exchange by exact key, to every bound queue', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const exchange = ctx.name('direct');
    await transport.declareExchange({ name: exchange, type: 'direct', durable: false });
    const [q1, q2, q3] = [
      await ctx.queue(transport),
      await ctx.queue(transport),
      await ctx.queue(transport),
    ];
    await transport.bindQueue({ queue: q1, exchange, routingKey: 'red' });
    await transport.bindQueue({ queue: q2, exchange, routingKey: 'red' });
    await transport.bindQueue({ queue: q3, exchange, routingKey: 'blue' });
    const collectors = await collectEach(transport, [q1, q2, q3]);
    await transport.publish(testMessage('r'), { exchange, routingKey: 'red' });
    await transport.publish(testMessage('b'), { exchange, routingKey: 'blue' });
    await transport.publish(testMessage('unroutable'), { exchange, routingKey: 'green' });
    expect(await settle(ctx, collectors, 3)).toEqual({ [q1]: ['r'], [q2]: ['r'], [q3]: ['b'] });
  });

  it('routes through a topic exchange with * (one word) and # (any words)', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const exchange = ctx.name('topic');
    await transport.declareExchange({ name: exchange, type: 'topic', durable: false });
    const bindings = ['order.*', 'order.#', '#.eu', '*.*.eu'];
    const queues: string[] = [];
    for (const routingKey of bindings) {
      const queue = await ctx.queue(transport);
      queues.push(queue);
      await transport.bindQueue({ queue, exchange, routingKey });
    }
    // A queue bound by two matching patterns still gets each message once.
    const both = await ctx.queue(transport);
    await transport.bindQueue({ queue: both, exchange, routingKey: 'order.*' });
    await transport.bindQueue({ queue: both, exchange, routingKey: 'order.#' });
    const collectors = await collectEach(transport, [...queues, both]);
    // Only keys on which AMQP and kombu's regex emulation agree (no zero-word `#`).
    for (const key of ['order.created', 'order.created.eu', 'user.eu', 'x.y']) {
      await transport.publish(testMessage(key), { exchange, routingKey: key });
    }
    const got = await settle(ctx, collectors, 8);
    expect(got[both]).toEqual(['order.created', 'order.created.eu']);
    expect(bindings.map((_, i) => got[queues[i]!])).toEqual([
      ['order.created'],
      ['order.created', 'order.created.eu'],
      ['order.created.eu', 'user.eu'],
      ['order.created.eu'],
    ]);
  });

  it('copies a fanout publish to every bound queue, whatever the key', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const exchange = ctx.name('fanout');
    await transport.declareExchange({ name: exchange, type: 'fanout', durable: false });
    const [q1, q2] = [await ctx.queue(transport), await ctx.queue(transport)];
    await transport.bindQueue({ queue: q1, exchange, routingKey: '' });
    await transport.bindQueue({ queue: q2, exchange, routingKey: '' });
    const collectors = await collectEach(transport, [q1, q2]);
    await transport.publish(testMessage('all'), { exchange, routingKey: 'ignored' });
    expect(await settle(ctx, collectors, 2)).toEqual({ [q1]: ['all'], [q2]: ['all'] });
  });

  it('drops an unroutable message without error', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const exchange = ctx.name('lonely');
    await transport.declareExchange({ name: exchange, type: 'direct', durable: false });
    const queue = await ctx.queue(transport);
    await transport.bindQueue({ queue, exchange, routingKey: 'bound' });
    await transport.publish(testMessage('lost'), { exchange, routingKey: 'nobody' });
    expect(await transport.queueLength(queue)).toBe(0);
  });

  it('serves priorities in the order the broker declares', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport, { maxPriority: 10 });
    const [low, high] = ctx.fixture.priorities ?? [0, 9];
    const sent: [string, number][] = [
      ['low1', low],
      ['high1', high],
      ['low2', low],
      ['high2', high],
    ];
    for (const [id, priority] of sent) {
      await transport.publish(testMessage(id, { properties: { priority } }), {
        exchange: '',
        routingKey: queue,
      });
    }
    const collector = await collectDeliveries(transport, [queue], { prefetch: 1, autoAck: true });
    await collector.waitForCount(4, ctx.timeoutMs);
    const higherFirst = (ctx.fixture.priorityOrder ?? 'higher-first') === 'higher-first';
    expect(collector.ids()).toEqual(
      higherFirst ? ['high1', 'high2', 'low1', 'low2'] : ['low1', 'low2', 'high1', 'high2'],
    );
  });

  it('carries body bytes, headers and properties through exactly', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport);
    const extra = ctx.fixture.extraProperties ?? { origin: 'gen42@host', replaced_task_nesting: 0 };
    const binary: BrokerMessage = {
      body: Uint8Array.from({ length: 256 }, (_, i) => i),
      contentType: 'application/octet-stream',
      contentEncoding: 'binary',
      headers: {
        id: 'binary',
        lang: 'py',
        task: 'tasks.add',
        retries: 3,
        ratio: 1.5,
        eta: null,
        ignore: false,
        timelimit: [null, 30],
        argsrepr: "('ünïcødé', '😀')",
        nested: { list: [1, 'two', true], empty: {} },
      },
      properties: {
        correlationId: 'c0ffee',
        replyTo: 'reply-queue',
        deliveryMode: 2,
        priority: 0,
        expiration: '600000',
        extra,
      },
    };
    const text = testMessage('unicode', {});
    text.body = new TextEncoder().encode(JSON.stringify([['ünïcødé', '😀', '中文'], {}, {}]));
    for (const message of [binary, text]) {
      await transport.publish(message, { exchange: '', routingKey: queue });
    }
    const collector = await collectDeliveries(transport, [queue], { autoAck: true });
    await collector.waitForCount(2, ctx.timeoutMs);
    for (const [i, sent] of [binary, text].entries()) {
      const got = collector.deliveries[i]!.message;
      expect(Buffer.from(got.body).toString('hex')).toBe(Buffer.from(sent.body).toString('hex'));
      expect(got.contentType).toBe(sent.contentType);
      expect(got.contentEncoding).toBe(sent.contentEncoding);
      expect(got.headers).toMatchObject(sent.headers);
      const { extra: sentExtra, ...sentProps } = sent.properties;
      expect(got.properties).toMatchObject(sentProps);
      if (sentExtra) expect(got.properties.extra ?? {}).toMatchObject(sentExtra);
    }
  });
}
