/**
 * When settling fails: an ack Redis refused is done again later (the task is done: the
 * message neither runs twice nor keeps its prefetch), and an `onMalformedMessage` callback
 * that throws does not stop the consumer. Failures are real Redis errors (WRONGTYPE on a
 * key the test overwrites), not mocks.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisTransport } from '@celeriac/redis';
import type { Delivery } from '@celeriac/protocol';
import { ConnectionLostError } from '@celeriac/protocol';
import { testMessage, waitFor } from '@celeriac/testing';
import { REDIS_URL, deletePrefixed, rawClient, testPrefix } from './redis-fixture.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function setup(options: Parameters<typeof createRedisTransport>[1] = {}) {
  const prefix = testPrefix();
  const queue = `settle-${randomUUID().slice(0, 6)}`;
  const redis = rawClient();
  const transport = createRedisTransport(REDIS_URL, {
    globalKeyprefix: prefix,
    prioritySteps: [0],
    ...options,
  });
  cleanups.push(
    () => deletePrefixed(prefix),
    () => redis.disconnect(),
    () => transport.close().catch(() => undefined),
  );
  return { prefix, queue, redis, transport };
}

describe('settle failures', () => {
  it('an ack Redis refused frees the prefetch, is done again on renewal, and is not restored', async () => {
    const { prefix, queue, redis, transport } = setup();
    const index = `${prefix}unacked_index`;
    await transport.publish(testMessage('m1'), { exchange: '', routingKey: queue });
    const deliveries: Delivery[] = [];
    await transport.consume([queue], (d) => deliveries.push(d), { prefetch: 1 });
    await waitFor(() => deliveries.length === 1, { timeoutMs: 5000 });
    const first = deliveries[0]!;
    const score = await redis.zscore(index, first.deliveryTag);

    // The ack script's ZREM meets a string: Redis refuses the whole ack. (The queue is
    // empty meanwhile: a take would fail on that key too.)
    await redis.set(index, 'not a sorted set');
    const failed = await first.ack().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(ConnectionLostError);
    expect((failed as Error).message).toMatch(/Could not ack a Redis delivery.*retried/);
    await redis.del(index);
    await redis.zadd(index, score!, first.deliveryTag);
    expect(await redis.hexists(`${prefix}unacked`, first.deliveryTag)).toBe(1);

    // Its prefetch is free: the next message comes although the first is still recorded.
    await transport.publish(testMessage('m2'), { exchange: '', routingKey: queue });
    await waitFor(() => deliveries.length === 2, { timeoutMs: 5000 });
    expect(deliveries[1]!.message.headers['id']).toBe('m2');

    // The renewal acks it again; closing restores only the unsettled second message.
    await transport.renewHeld();
    expect(await redis.hexists(`${prefix}unacked`, first.deliveryTag)).toBe(0);
    expect(await redis.zscore(index, first.deliveryTag)).toBeNull();
    await transport.close();
    const left = await redis.lrange(`${prefix}${queue}`, 0, -1);
    expect(left.map((raw) => (JSON.parse(raw) as { headers: { id: string } }).headers.id)).toEqual([
      'm2',
    ]);
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
  });

  it('a requeue Redis refused is released and left to the visibility restore', async () => {
    const { prefix, queue, redis, transport } = setup({ visibilityTimeout: 1 });
    await transport.publish(testMessage('r1'), { exchange: '', routingKey: queue });
    const deliveries: Delivery[] = [];
    await transport.consume([queue], (d) => deliveries.push(d), { prefetch: 1 });
    await waitFor(() => deliveries.length === 1, { timeoutMs: 5000 });
    const held = deliveries[0]!;

    // The restore script pushes to the queue's list: a string there makes Redis refuse.
    const list = `${prefix}${queue}`;
    await redis.set(list, 'not a list');
    await expect(held.reject({ requeue: true })).rejects.toThrow(/Could not requeue.*visibility/);
    await redis.del(list);

    // Not renewed any more: past the visibility timeout it is restored and delivered again.
    await transport.renewHeld();
    await waitFor(() => deliveries.length === 2, { timeoutMs: 10_000 });
    expect(deliveries[1]!.message.headers['id']).toBe('r1');
    expect(deliveries[1]!.redelivered).toBe(true);
  });

  it('a throwing onMalformedMessage does not stop the consumer', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    cleanups.push(() => void process.off('warning', onWarning));
    const { prefix, queue, redis, transport } = setup({
      onMalformedMessage: () => {
        throw new Error('callback bug');
      },
    });
    await redis.lpush(`${prefix}${queue}`, 'not json at all');
    await transport.publish(testMessage('ok'), { exchange: '', routingKey: queue });
    const deliveries: Delivery[] = [];
    await transport.consume([queue], (d) => deliveries.push(d), { prefetch: 10 });
    await waitFor(() => deliveries.length === 1, { timeoutMs: 5000 });
    expect(deliveries[0]!.message.headers['id']).toBe('ok');
    await waitFor(() => warnings.some((w) => w.includes('onMalformedMessage threw')), {
      timeoutMs: 5000,
    });
    expect(warnings.find((w) => w.includes('onMalformedMessage threw'))).toMatch(
      new RegExp(`queue "${queue}": Error: callback bug`),
    );
  });
});
