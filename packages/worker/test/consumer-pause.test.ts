import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryTransport } from '@celeriac/memory';
import { ConsumerState, TaskConsumer } from '../src/lifecycle/consumer.js';
import type { Delivery } from '@celeriac/protocol';

describe('TaskConsumer pause/resume', () => {
  it('consumes again after pause() and resume() called back to back (a quick reconnect)', async () => {
    const transport = createMemoryTransport(`memory://consumer-${randomUUID()}`);
    await transport.connect();
    const queue = `q-${randomUUID()}`;
    const received: Delivery[] = [];
    const consumer = new TaskConsumer({
      transport,
      queues: [queue],
      prefetch: 10,
      consumerTag: 'test',
    });
    await consumer.start({ onDelivery: (d) => void received.push(d) });
    const paused = consumer.pause();
    const resumed = consumer.resume();
    await Promise.all([paused, resumed]);
    expect(consumer.state).toBe(ConsumerState.consuming);
    await transport.publish(
      {
        body: new TextEncoder().encode('[]'),
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        headers: {},
        properties: {},
      },
      { exchange: '', routingKey: queue },
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(1);
    await consumer.stop();
    await transport.close();
  });
});
