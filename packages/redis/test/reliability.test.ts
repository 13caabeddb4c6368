/**
 * What kombu cannot promise and celeriac does: a message taken by a consumer that is
 * SIGKILLed before acking is never lost, and a consumer whose connections are killed
 * reconnects and resumes by itself.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisTransport } from '@celeriac/redis';
import type { TransportStatus } from '@celeriac/protocol';
import { collectDeliveries, testMessage, waitFor } from '@celeriac/testing';
import { spawnTs, waitForLine } from './support/child.js';
import { REDIS_URL, deletePrefixed, rawClient, testPrefix } from './redis-fixture.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('atomic take', () => {
  it('a message taken by a consumer killed before ack survives and comes back redelivered', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deletePrefixed(prefix));
    const queue = `take-${randomUUID().slice(0, 6)}`;
    const producer = createRedisTransport(REDIS_URL, {
      globalKeyprefix: prefix,
      visibilityTimeout: 1,
    });
    cleanups.push(() => producer.close());
    await producer.publish(testMessage('survivor'), { exchange: '', routingKey: queue });

    const child = spawnTs('./take-and-hang.ts', {
      REDIS_URL,
      QUEUE: queue,
      PREFIX: prefix,
      VISIBILITY: '1',
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    const [, tag] = await waitForLine(child, /^taken (\S+)/);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const redis = rawClient();
    cleanups.push(() => redis.disconnect());
    expect(await redis.llen(prefix + queue)).toBe(0);
    expect(await redis.hexists(`${prefix}unacked`, tag!)).toBe(1);

    // Any consumer on the same Redis restores it once the visibility timeout passed.
    const consumer = createRedisTransport(REDIS_URL, {
      globalKeyprefix: prefix,
      visibilityTimeout: 1,
      restoreIntervalMs: 200,
    });
    cleanups.push(() => consumer.close());
    const collector = await collectDeliveries(consumer, [queue], { prefetch: 1, autoAck: true });
    const [delivery] = await collector.waitForCount(1, 10_000);
    expect(collector.ids()).toEqual(['survivor']);
    expect(delivery!.redelivered).toBe(true);
    expect(delivery!.message.headers['redelivered']).toBe(true);
  });
});

describe('reconnection', () => {
  it('resumes consuming after CLIENT KILL of every consumer connection', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deletePrefixed(prefix));
    const queue = `rc-${randomUUID().slice(0, 6)}`;
    const consumer = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    cleanups.push(() => consumer.close());
    const statuses: TransportStatus[] = [];
    consumer.onStatus((event) => statuses.push(event.status));
    const collector = await collectDeliveries(consumer, [queue], { prefetch: 4, autoAck: true });
    const producer = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    cleanups.push(() => producer.close());
    await producer.publish(testMessage('before'), { exchange: '', routingKey: queue });
    await collector.waitForCount(1, 5000);

    const admin = rawClient();
    cleanups.push(() => admin.disconnect());
    const list = (await admin.client('LIST')) as string;
    const ids = list
      .split('\n')
      .filter((line) => line.includes(`name=celeriac:${consumer.id}:`))
      .map((line) => /(?:^| )id=(\d+)/.exec(line)![1]!);
    expect(ids.length).toBeGreaterThanOrEqual(5); // command + one wait per priority list
    for (const id of ids) await admin.client('KILL', 'ID', id);

    await waitFor(() => statuses.includes('reconnecting') && consumer.status === 'connected', {
      timeoutMs: 10_000,
      description: 'reconnecting then connected',
    });
    await producer.publish(testMessage('after'), { exchange: '', routingKey: queue });
    await collector.waitForCount(2, 10_000);
    expect(collector.ids()).toEqual(['before', 'after']);
  });
});
