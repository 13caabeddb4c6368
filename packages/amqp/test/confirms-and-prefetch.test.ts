import { ErrorCode } from '@celeriac/protocol';
import { collectDeliveries, testMessage } from '@celeriac/testing';
import { connect } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { AMQP_URL, unique } from './support/rabbitmq.js';
import { transportsFixture } from './support/transports.js';

const { cleanup, transport } = transportsFixture();

describe('publisher confirms', () => {
  it('resolves once the broker holds the message', async () => {
    const t = await transport();
    const queue = unique('confirm');
    cleanup.push(() => t.deleteQueue(queue));
    await t.declareQueue({ name: queue, durable: true });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.publish(testMessage(`m${i}`), { exchange: '', routingKey: queue }),
      ),
    );
    expect(await t.queueLength(queue)).toBe(50);
  });

  it('rejects with PublishError when the broker nacks (a full queue with x-overflow reject-publish)', async () => {
    const t = await transport();
    const queue = unique('full');
    // QueueSpec has no overflow option: declare this one with amqplib directly.
    const raw = await connect(AMQP_URL);
    cleanup.push(() => raw.close());
    const channel = await raw.createChannel();
    await channel.assertQueue(queue, {
      durable: false,
      arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
    });
    cleanup.push(() => channel.deleteQueue(queue).then(() => undefined));
    await t.publish(testMessage('fits'), { exchange: '', routingKey: queue });
    await expect(
      t.publish(testMessage('overflows'), { exchange: '', routingKey: queue }),
    ).rejects.toMatchObject({
      code: ErrorCode.publish,
      message: expect.stringMatching(/nacked/) as unknown,
    });
    // The publisher channel is still usable after a nack.
    await t.publish(testMessage('still'), { exchange: '', routingKey: unique('nobody') });
  });

  it('rejects a publish to a missing exchange with PublishError without disturbing other publishes', async () => {
    const t = await transport();
    const queue = unique('ok');
    cleanup.push(() => t.deleteQueue(queue));
    await t.declareQueue({ name: queue, durable: false });
    const results = await Promise.allSettled([
      t.publish(testMessage('a'), { exchange: '', routingKey: queue }),
      t.publish(testMessage('x'), { exchange: unique('missing'), routingKey: 'k' }),
      t.publish(testMessage('b'), { exchange: '', routingKey: queue }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.publish });
    expect(await t.queueLength(queue)).toBe(2);
  });
});

describe('prefetch on quorum queues (per-consumer QoS)', () => {
  it('honours prefetch and changes it live (old unsettled deliveries count apart)', async () => {
    const t = await transport();
    const queue = unique('qq');
    cleanup.push(() => t.deleteQueue(queue));
    await t.declareQueue({ name: queue, quorum: true });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const id of ids) await t.publish(testMessage(id), { exchange: '', routingKey: queue });
    const collector = await collectDeliveries(t, [queue], { prefetch: 1 });
    await collector.waitForCount(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(collector.deliveries).toHaveLength(1);
    // Per-consumer QoS applies to new consumers only: the subscription restarts its
    // consumer, whose limit of 3 does not count the 1 delivery still held from before.
    collector.subscription.setPrefetch(3);
    await collector.waitForCount(4);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(collector.deliveries).toHaveLength(4);
    await collector.deliveries[0]!.ack();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(collector.deliveries).toHaveLength(4);
    await collector.deliveries[1]!.ack();
    await collector.waitForCount(5);
    for (const d of collector.deliveries.slice(2)) await d.ack();
    await collector.waitForCount(6);
    await collector.deliveries[5]!.ack();
    expect(collector.ids()).toEqual(ids);
  });
});
