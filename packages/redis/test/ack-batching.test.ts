/**
 * Acks asked for in one event-loop turn go to Redis as one script call (split past
 * 1,000 tags); every one is forgotten, and each ack resolves only once Redis ran it.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisTransport } from '@celeriac/redis';
import type { Delivery } from '@celeriac/protocol';
import { testMessage, waitFor } from '@celeriac/testing';
import { REDIS_URL, deletePrefixed, rawClient, testPrefix } from './redis-fixture.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('ack batching', () => {
  it('acks 1,500 deliveries settled in one turn (more than one batch), none left held', async () => {
    const prefix = testPrefix();
    const queue = `acks-${randomUUID().slice(0, 6)}`;
    const redis = rawClient();
    const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    cleanups.push(
      () => deletePrefixed(prefix),
      () => redis.disconnect(),
      () => transport.close(),
    );
    await Promise.all(
      Array.from({ length: 1500 }, (_, i) =>
        transport.publish(testMessage(`m${i}`), { exchange: '', routingKey: queue }),
      ),
    );
    const deliveries: Delivery[] = [];
    await transport.consume([queue], (d) => deliveries.push(d), { prefetch: 0 });
    await waitFor(() => deliveries.length === 1500, { timeoutMs: 10_000 });
    expect(await redis.hlen(`${prefix}unacked`)).toBe(1500);

    const acks = deliveries.map((d) => d.ack());
    // Nothing is sent before the turn ends: an ack resolves only after Redis ran it.
    expect(await redis.hlen(`${prefix}unacked`)).toBe(1500);
    await Promise.all(acks);
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
    expect(await redis.zcard(`${prefix}unacked_index`)).toBe(0);
  });
});
