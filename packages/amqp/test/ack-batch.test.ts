// Acks go out batched (one `multiple` ack for the run of settled deliveries from the
// oldest unsettled one): a delivery still at work must never be acked with the others,
// and acks made one by one after such a gap must still reach the broker.
import type { AmqpTransport } from '@celeriac/amqp';
import { collectDeliveries, deliveryId, testMessage } from '@celeriac/testing';
import { describe, expect, it } from 'vitest';
import { unique } from './support/rabbitmq.js';
import { transportsFixture } from './support/transports.js';

const { cleanup, transport } = transportsFixture();

/** A queue holding m0…m(n-1), in order, on `producer`. */
async function queueOf(producer: AmqpTransport, n: number): Promise<string> {
  const queue = unique('acks');
  cleanup.push(() => producer.deleteQueue(queue));
  await producer.declareQueue({ name: queue, durable: true });
  for (let i = 0; i < n; i++) {
    await producer.publish(testMessage(`m${i}`), { exchange: '', routingKey: queue });
  }
  return queue;
}

/** The id of the message at the head of `queue` (after `end` was published behind the rest). */
async function head(producer: AmqpTransport, queue: string): Promise<string> {
  await producer.publish(testMessage('end'), { exchange: '', routingKey: queue });
  const collector = await collectDeliveries(producer, [queue], { prefetch: 1 });
  const [first] = await collector.waitForCount(1);
  await collector.cancel();
  return deliveryId(first!);
}

describe('batched acks', () => {
  it('never ack a delivery still at work with the settled ones after it', async () => {
    const producer = await transport();
    const consumer = await transport();
    const queue = await queueOf(producer, 5);
    const collector = await collectDeliveries(consumer, [queue], { prefetch: 10 });
    const deliveries = await collector.waitForCount(5);
    expect(collector.ids()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    // m0 stays at work; the others are acked, in the same turn as the close.
    for (const delivery of deliveries.slice(1)) await delivery.ack();
    await consumer.close();
    expect(await head(producer, queue)).toBe('m0');
  });

  it('ack deliveries settled after a gap one by one, then the gap itself', async () => {
    const producer = await transport();
    const consumer = await transport();
    const queue = await queueOf(producer, 5);
    const collector = await collectDeliveries(consumer, [queue], { prefetch: 10 });
    const deliveries = await collector.waitForCount(5);
    // m1…m4 first (sent one by one while m0 is at work), m0 a turn later.
    for (const delivery of deliveries.slice(1)) await delivery.ack();
    await new Promise((resolve) => setImmediate(resolve));
    await deliveries[0]!.ack();
    await consumer.close();
    expect(await head(producer, queue)).toBe('end');
  });
});
