/**
 * Conformance cases: prefetch, ack, reject, redelivery after a consumer's transport
 * closes, renew, cancel, and several consumers sharing one queue.
 */
import type { Transport } from '@celeriac/protocol';
import { expect, it } from 'vitest';
import { collectDeliveries } from './collect-deliveries.js';
import { deliveryId, testMessage } from './test-message.js';
import type { TransportTestContext } from './transport-context.js';
import { waitFor } from './wait-for.js';

async function publishIds(transport: Transport, queue: string, ids: readonly string[]) {
  for (const id of ids)
    await transport.publish(testMessage(id), { exchange: '', routingKey: queue });
}

/** Register the settlement cases; `use` returns the current test's context. */
export function registerSettlementCases(use: () => TransportTestContext): void {
  it('honours prefetch: no more unsettled deliveries than allowed', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport);
    await publishIds(transport, queue, ['a', 'b', 'c', 'd', 'e']);
    const collector = await collectDeliveries(transport, [queue], { prefetch: 2 });
    await collector.waitForCount(2, ctx.timeoutMs);
    await ctx.quiet();
    expect(collector.deliveries).toHaveLength(2);

    await collector.deliveries[0]!.ack();
    await collector.waitForCount(3, ctx.timeoutMs);
    await ctx.quiet();
    expect(collector.deliveries).toHaveLength(3);

    collector.subscription.setPrefetch(3);
    await collector.waitForCount(4, ctx.timeoutMs);
    await ctx.quiet();
    expect(collector.deliveries).toHaveLength(4);
    for (const delivery of collector.deliveries.slice(1)) await delivery.ack();
    await collector.waitForCount(5, ctx.timeoutMs);
    expect(collector.ids()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('forgets an acked message', async () => {
    const ctx = use();
    const first = await ctx.transport();
    const queue = await ctx.queue(first);
    await publishIds(first, queue, ['acked']);
    const collector = await collectDeliveries(first, [queue], { prefetch: 1 });
    const [delivery] = await collector.waitForCount(1, ctx.timeoutMs);
    await delivery!.ack();
    await first.close();
    const second = await ctx.transport();
    const again = await collectDeliveries(second, [queue], { prefetch: 1 });
    await ctx.quiet();
    expect(again.deliveries).toHaveLength(0);
    expect(await second.queueLength(queue)).toBe(0);
  });

  it('delivers a message rejected with requeue again, marked redelivered', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport);
    await publishIds(transport, queue, ['again']);
    const collector = await collectDeliveries(transport, [queue], { prefetch: 1 });
    const [first] = await collector.waitForCount(1, ctx.timeoutMs);
    expect(first!.redelivered).toBe(false);
    await first!.reject({ requeue: true });
    const [, second] = await collector.waitForCount(2, ctx.timeoutMs);
    expect(deliveryId(second!)).toBe('again');
    expect(second!.redelivered).toBe(true);
    await second!.ack();
  });

  it('drops a message rejected without requeue', async () => {
    const ctx = use();
    const first = await ctx.transport();
    const queue = await ctx.queue(first);
    await publishIds(first, queue, ['dropped']);
    const collector = await collectDeliveries(first, [queue], { prefetch: 1 });
    const [delivery] = await collector.waitForCount(1, ctx.timeoutMs);
    await delivery!.reject({ requeue: false });
    await ctx.quiet();
    expect(collector.deliveries).toHaveLength(1);
    await first.close();
    const second = await ctx.transport();
    const again = await collectDeliveries(second, [queue], { prefetch: 1 });
    await ctx.quiet();
    expect(again.deliveries).toHaveLength(0);
    expect(await second.queueLength(queue)).toBe(0);
  });

  it('returns unsettled deliveries of a closed transport to another consumer', async () => {
    const ctx = use();
    const first = await ctx.transport();
    const queue = await ctx.queue(first);
    await publishIds(first, queue, ['x', 'y']);
    const collector = await collectDeliveries(first, [queue], { prefetch: 0 });
    await collector.waitForCount(2, ctx.timeoutMs);
    await first.close();
    const second = await ctx.transport();
    const again = await collectDeliveries(second, [queue], { prefetch: 0, autoAck: true });
    await again.waitForCount(2, ctx.timeoutMs);
    expect(again.ids().sort()).toEqual(['x', 'y']);
    expect(again.deliveries.every((d) => d.redelivered)).toBe(true);
  });

  it('renews a delivery', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport);
    await publishIds(transport, queue, ['long']);
    const collector = await collectDeliveries(transport, [queue], { prefetch: 1 });
    const [delivery] = await collector.waitForCount(1, ctx.timeoutMs);
    await expect(delivery!.renew()).resolves.toBeUndefined();
    await delivery!.ack();
    expect(await transport.queueLength(queue)).toBe(0);
  });

  it('stops delivering after cancel, leaving messages in the queue', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport);
    const collector = await collectDeliveries(transport, [queue], { autoAck: true });
    await publishIds(transport, queue, ['before']);
    await collector.waitForCount(1, ctx.timeoutMs);
    await collector.cancel();
    await publishIds(transport, queue, ['after']);
    await ctx.quiet();
    expect(collector.ids()).toEqual(['before']);
    await waitFor(async () => (await transport.queueLength(queue)) === 1, {
      timeoutMs: ctx.timeoutMs,
      description: 'the message published after cancel to stay in the queue',
    });
  });

  it('shares one queue between two consumers without duplicates', async () => {
    const ctx = use();
    const producer = await ctx.transport();
    const queue = await ctx.queue(producer);
    await publishIds(producer, queue, ['s0', 's1']);
    const a = await collectDeliveries(await ctx.transport(), [queue], { prefetch: 1 });
    const b = await collectDeliveries(await ctx.transport(), [queue], { prefetch: 1 });
    // With prefetch 1 and nothing acked, each consumer must hold one of the two.
    await a.waitForCount(1, ctx.timeoutMs);
    await b.waitForCount(1, ctx.timeoutMs);
    const ids = Array.from({ length: 18 }, (_, i) => `s${i + 2}`);
    await publishIds(producer, queue, ids);
    const settle = async (collector: typeof a, from: number) => {
      for (let i = from; i < collector.deliveries.length; i++) await collector.deliveries[i]!.ack();
      return collector.deliveries.length;
    };
    let ackedA = 0;
    let ackedB = 0;
    await waitFor(
      async () => {
        ackedA = await settle(a, ackedA);
        ackedB = await settle(b, ackedB);
        return ackedA + ackedB >= 20;
      },
      { timeoutMs: ctx.timeoutMs, description: '20 deliveries between two consumers' },
    );
    await ctx.quiet();
    const all = [...a.ids(), ...b.ids()];
    expect(all).toHaveLength(20);
    expect(new Set(all).size).toBe(20);
  });
}
