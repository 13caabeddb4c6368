import { MemoryBroker, MemoryTransport } from '@celeriac/memory';
import type { Delivery } from '@celeriac/protocol';
import { ErrorCode } from '@celeriac/protocol';
import { collectDeliveries, sleep, testMessage, waitFor } from '@celeriac/testing';
import { describe, expect, it } from 'vitest';

function setup() {
  const broker = new MemoryBroker({ name: 'unit' });
  return { broker, transport: new MemoryTransport({ broker }) };
}

describe('MemoryTransport', () => {
  it('copies what is published, so the publisher cannot change a delivery', async () => {
    const { transport } = setup();
    await transport.declareQueue({ name: 'q' });
    const message = testMessage('orig', {
      headers: { nested: { n: 1 } },
      properties: { extra: { origin: 'a' } },
    });
    await transport.publish(message, { exchange: '', routingKey: 'q' });
    message.body[0] = 0;
    (message.headers['nested'] as { n: number }).n = 2;
    message.properties.extra!['origin'] = 'b';
    message.properties.correlationId = 'changed';
    const collector = await collectDeliveries(transport, ['q']);
    const [got] = await collector.waitForCount(1);
    expect(new TextDecoder().decode(got!.message.body)).toBe('{"id":"orig"}');
    expect(got!.message.headers['nested']).toEqual({ n: 1 });
    expect(got!.message.properties).toMatchObject({
      correlationId: 'orig',
      extra: { origin: 'a' },
    });
  });

  it('never calls a consumer from inside publish', async () => {
    const { transport } = setup();
    await transport.declareQueue({ name: 'q' });
    const seen: string[] = [];
    await transport.consume(['q'], (d) => void d.ack().then(() => seen.push('ack')), {
      prefetch: 0,
    });
    const publishing = transport.publish(testMessage('m'), { exchange: '', routingKey: 'q' });
    expect(seen).toEqual([]);
    expect(await transport.queueLength('q')).toBe(1);
    await publishing;
    await waitFor(() => seen.length === 1);
  });

  it('serves priorities higher first and clamps them to maxPriority', async () => {
    const { transport } = setup();
    await transport.declareQueue({ name: 'p', maxPriority: 5 });
    const sent: [string, number | undefined][] = [
      ['none', undefined],
      ['p9', 9],
      ['p5', 5],
      ['p2', 2],
      ['neg', -3],
    ];
    for (const [id, priority] of sent) {
      const props = priority === undefined ? {} : { priority };
      await transport.publish(testMessage(id, { properties: props }), {
        exchange: '',
        routingKey: 'p',
      });
    }
    const collector = await collectDeliveries(transport, ['p'], { autoAck: true });
    await collector.waitForCount(5);
    // 9 is clamped to 5 and keeps FIFO with the other 5; undefined and -3 are 0.
    expect(collector.ids()).toEqual(['p9', 'p5', 'p2', 'none', 'neg']);
  });

  it('expires messages by queue TTL and per-message expiration, dead-lettering them', async () => {
    const { transport } = setup();
    await transport.declareExchange({ name: 'dlx', type: 'fanout' });
    await transport.declareQueue({ name: 'dead' });
    await transport.bindQueue({ queue: 'dead', exchange: 'dlx', routingKey: '' });
    await transport.declareQueue({ name: 'ttl', messageTtlMs: 20, deadLetterExchange: 'dlx' });
    await transport.declareQueue({ name: 'plain', deadLetterExchange: 'dlx' });
    await transport.publish(testMessage('q-ttl'), { exchange: '', routingKey: 'ttl' });
    await transport.publish(testMessage('m-ttl', { properties: { expiration: '20' } }), {
      exchange: '',
      routingKey: 'plain',
    });
    await transport.publish(testMessage('kept'), { exchange: '', routingKey: 'plain' });
    await sleep(40);
    expect(await transport.queueLength('ttl')).toBe(0);
    const plain = await collectDeliveries(transport, ['plain'], { autoAck: true });
    await plain.waitForCount(1);
    const dead = await collectDeliveries(transport, ['dead'], { autoAck: true });
    await dead.waitForCount(2);
    expect(plain.ids()).toEqual(['kept']);
    expect(dead.ids().sort()).toEqual(['m-ttl', 'q-ttl']);
    // Dead-lettering strips the per-message TTL, as RabbitMQ does.
    expect(dead.deliveries.every((d) => d.message.properties.expiration === undefined)).toBe(true);
  });

  it('dead-letters rejected messages with the configured routing key', async () => {
    const { transport } = setup();
    await transport.declareQueue({ name: 'parking' });
    await transport.declareQueue({
      name: 'work',
      deadLetterExchange: '',
      deadLetterRoutingKey: 'parking',
    });
    await transport.publish(testMessage('bad'), { exchange: '', routingKey: 'work' });
    const work = await collectDeliveries(transport, ['work']);
    const [delivery] = await work.waitForCount(1);
    await delivery!.reject({ requeue: false });
    expect(await transport.queueLength('parking')).toBe(1);
  });

  it('drops the oldest message beyond maxLength', async () => {
    const { transport } = setup();
    await transport.declareQueue({ name: 'short', maxLength: 2 });
    for (const id of ['a', 'b', 'c']) {
      await transport.publish(testMessage(id), { exchange: '', routingKey: 'short' });
    }
    const collector = await collectDeliveries(transport, ['short'], { autoAck: true });
    await collector.waitForCount(2);
    expect(collector.ids()).toEqual(['b', 'c']);
  });

  it('deletes auto-delete queues after their last consumer and exclusive ones on close', async () => {
    const { broker, transport } = setup();
    const other = new MemoryTransport({ broker });
    await transport.declareQueue({ name: 'auto', autoDelete: true });
    await other.declareQueue({ name: 'mine', exclusive: true });
    const subscription = await transport.consume(['auto'], () => undefined, { prefetch: 1 });
    expect(broker.getQueue('auto')).toBeDefined();
    await subscription.cancel();
    expect(broker.getQueue('auto')).toBeUndefined();
    expect(broker.getQueue('mine')).toBeDefined();
    await other.close();
    expect(broker.getQueue('mine')).toBeUndefined();
  });

  it('refuses a second settlement and settlement after close', async () => {
    const { transport } = setup();
    await transport.declareQueue({ name: 'q' });
    await transport.publish(testMessage('a'), { exchange: '', routingKey: 'q' });
    await transport.publish(testMessage('b'), { exchange: '', routingKey: 'q' });
    const collector = await collectDeliveries(transport, ['q']);
    const [a, b] = await collector.waitForCount(2);
    await a!.ack();
    await expect(a!.ack()).rejects.toMatchObject({ code: ErrorCode.transport });
    await transport.close();
    await expect(b!.ack()).rejects.toMatchObject({ code: ErrorCode.closed });
    await expect(b!.renew()).rejects.toMatchObject({ code: ErrorCode.closed });
  });

  it('rejects publishing to an undeclared exchange and redeclaring with another type', async () => {
    const { transport } = setup();
    await expect(
      transport.publish(testMessage('x'), { exchange: 'nope', routingKey: 'k' }),
    ).rejects.toMatchObject({ code: ErrorCode.publish });
    await transport.declareExchange({ name: 'ex', type: 'direct' });
    await expect(transport.declareExchange({ name: 'ex', type: 'topic' })).rejects.toThrow(
      /cannot redeclare/,
    );
  });

  it('hands errors thrown by onMessage to onError', async () => {
    const broker = new MemoryBroker();
    const errors: unknown[] = [];
    const transport = new MemoryTransport({ broker, onError: (e) => errors.push(e) });
    await transport.declareQueue({ name: 'q' });
    await transport.consume(
      ['q'],
      () => {
        throw new Error('handler bug');
      },
      { prefetch: 0 },
    );
    await transport.publish(testMessage('a'), { exchange: '', routingKey: 'q' });
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ message: 'handler bug' });
  });

  it('round-robins one queue between consumers and several queues for one consumer', async () => {
    const { broker, transport } = setup();
    const second = new MemoryTransport({ broker });
    await transport.declareQueue({ name: 'rr' });
    const a = await collectDeliveries(transport, ['rr'], { autoAck: true });
    const b = await collectDeliveries(second, ['rr'], { autoAck: true });
    for (let i = 0; i < 10; i++) {
      await transport.publish(testMessage(`m${i}`), { exchange: '', routingKey: 'rr' });
    }
    await waitFor(() => a.deliveries.length + b.deliveries.length === 10);
    expect(a.deliveries).toHaveLength(5);
    expect(b.deliveries).toHaveLength(5);

    await transport.declareQueue({ name: 'x' });
    await transport.declareQueue({ name: 'y' });
    for (let i = 0; i < 3; i++) {
      await transport.publish(testMessage(`x${i}`), { exchange: '', routingKey: 'x' });
      await transport.publish(testMessage(`y${i}`), { exchange: '', routingKey: 'y' });
    }
    const seen: Delivery[] = [];
    await second.consume(['x', 'y'], (d) => void seen.push(d), { prefetch: 1 });
    for (let i = 0; i < 6; i++) {
      await waitFor(() => seen.length === i + 1);
      await seen[i]!.ack();
    }
    expect(new Set(seen.map((d) => d.queue))).toEqual(new Set(['x', 'y']));
    expect(seen.map((d) => d.message.headers['id'])).toHaveLength(6);
  });

  it('moves a large backlog without blocking the event loop for all of it', async () => {
    const { transport } = setup();
    await transport.declareQueue({ name: 'big' });
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      void transport.publish(testMessage('m'), { exchange: '', routingKey: 'big' });
    }
    let received = 0;
    let atFirstImmediate = -1;
    await transport.consume(['big'], (d) => void d.ack().then(() => received++), { prefetch: 0 });
    setImmediate(() => (atFirstImmediate = received));
    await waitFor(() => received === n, { timeoutMs: 10_000 });
    expect(atFirstImmediate).toBeGreaterThan(0);
    expect(atFirstImmediate).toBeLessThan(n);
  });
});
