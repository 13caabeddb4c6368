/**
 * Conformance cases: connection lifecycle, status, declarations and queue management.
 */
import { ErrorCode, TransportStatus } from '@celeriac/protocol';
import type { Transport, TransportStatus as Status } from '@celeriac/protocol';
import { expect, it } from 'vitest';
import { collectDeliveries } from './collect-deliveries.js';
import { testMessage } from './test-message.js';
import type { TransportTestContext } from './transport-context.js';

/** Register the lifecycle cases; `use` returns the current test's context. */
export function registerLifecycleCases(use: () => TransportTestContext): void {
  it('connect and close are idempotent', async () => {
    const ctx = use();
    const transport = await ctx.transport(false);
    await Promise.all([transport.connect(), transport.connect()]);
    await transport.connect();
    expect(transport.status).toBe(TransportStatus.connected);
    await Promise.all([transport.close(), transport.close()]);
    await transport.close();
    expect(transport.status).toBe(TransportStatus.closed);
  });

  it('closes at the end of an `await using` block', async () => {
    const ctx = use();
    let escaped: Transport | undefined;
    {
      await using transport = await ctx.transport();
      escaped = transport;
      expect(transport.status).toBe(TransportStatus.connected);
    }
    expect(escaped.status).toBe(TransportStatus.closed);
  });

  it('reports connected and closed through status and onStatus', async () => {
    const ctx = use();
    const transport = await ctx.transport(false);
    expect(transport.status).toBe(TransportStatus.idle);
    const seen: Status[] = [];
    const removedSaw: Status[] = [];
    transport.onStatus((event) => seen.push(event.status));
    const off = transport.onStatus((event) => removedSaw.push(event.status));
    await transport.connect();
    expect(transport.status).toBe(TransportStatus.connected);
    expect(seen).toContain(TransportStatus.connected);
    off();
    const before = removedSaw.length;
    await transport.close();
    expect(transport.status).toBe(TransportStatus.closed);
    expect(seen.at(-1)).toBe(TransportStatus.closed);
    expect(removedSaw).toHaveLength(before);
  });

  it('rejects publish after close with ClosedError', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport);
    await transport.close();
    await expect(
      transport.publish(testMessage('late'), { exchange: '', routingKey: queue }),
    ).rejects.toMatchObject({ code: ErrorCode.closed });
  });

  it('declares exchanges, queues and bindings idempotently', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport);
    await ctx.queue(transport, { name: queue });
    const exchanges = {
      direct: ctx.name('ex-direct'),
      topic: ctx.name('ex-topic'),
      fanout: ctx.name('ex-fanout'),
    } as const;
    for (const [type, name] of Object.entries(exchanges) as [keyof typeof exchanges, string][]) {
      for (let i = 0; i < 2; i++) {
        await transport.declareExchange({ name, type, durable: false, autoDelete: true });
        await transport.bindQueue({ queue, exchange: name, routingKey: 'k' });
      }
    }
    const collector = await collectDeliveries(transport, [queue], { autoAck: true });
    for (const [type, name] of Object.entries(exchanges)) {
      await transport.publish(testMessage(type), { exchange: name, routingKey: 'k' });
    }
    await collector.waitForCount(3, ctx.timeoutMs);
    await ctx.quiet();
    // A binding declared twice routes once.
    expect(collector.ids().sort()).toEqual(['direct', 'fanout', 'topic']);
  });

  it('counts, purges and deletes queues', async () => {
    const ctx = use();
    const transport = await ctx.transport();
    const queue = await ctx.queue(transport);
    expect(await transport.queueLength(queue)).toBe(0);
    for (const id of ['a', 'b', 'c']) {
      await transport.publish(testMessage(id), { exchange: '', routingKey: queue });
    }
    expect(await transport.queueLength(queue)).toBe(3);
    expect(await transport.purgeQueue(queue)).toBe(3);
    expect(await transport.queueLength(queue)).toBe(0);

    await transport.publish(testMessage('d'), { exchange: '', routingKey: queue });
    await transport.deleteQueue(queue);
    await transport.deleteQueue(queue);
    await transport.deleteQueue(ctx.name('never-declared'));
    await ctx.queue(transport, { name: queue });
    expect(await transport.queueLength(queue)).toBe(0);
  });
}
