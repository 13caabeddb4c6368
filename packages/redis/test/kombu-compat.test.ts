/**
 * Byte-level compatibility with kombu 5.2.4 / Celery 5.2.6 on Redis, checked against the
 * captured samples: envelopes, keys, priority lists, bindings, unacked records, results.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRedisResultBackend,
  createRedisTransport,
  decodeEnvelope,
  encodeEnvelope,
  markRedelivered,
} from '@celeriac/redis';
import type { RedisTransport } from '@celeriac/redis';
import type { Delivery } from '@celeriac/protocol';
import { parseResultMeta } from '@celeriac/protocol';
import { collectDeliveries, waitFor } from '@celeriac/testing';
import { REDIS_URL, deletePrefixed, rawClient, testPrefix } from './redis-fixture.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

const SEP = '\x06\x16';
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function transportFor(prefix: string, options = {}): RedisTransport {
  const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix, ...options });
  cleanups.push(() => transport.close());
  return transport;
}

function prefixed(): string {
  const prefix = testPrefix();
  cleanups.push(() => deletePrefixed(prefix));
  return prefix;
}

describe('envelope', () => {
  it.each(['message-add.json', 'message-echo.json'])('re-encodes %s byte for byte', (name) => {
    const sample = fixture(name) as { raw: string[]; queue: string };
    const raw = sample.raw[0]!;
    const decoded = decodeEnvelope(raw);
    expect(decoded.routingKey).toBe(sample.queue);
    expect(
      encodeEnvelope(
        decoded.message,
        { exchange: '', routingKey: sample.queue },
        decoded.deliveryTag!,
      ),
    ).toBe(raw);
  });

  it('publishes exactly what kombu LPUSHes, to the queue list, with the binding kombu writes', async () => {
    const prefix = prefixed();
    const sample = fixture('message-add.json') as { raw: string[]; queue: string };
    const decoded = decodeEnvelope(sample.raw[0]!);
    const transport = transportFor(prefix);
    await transport.connect();
    await transport.declareExchange({ name: sample.queue, type: 'direct' });
    await transport.bindQueue({
      queue: sample.queue,
      exchange: sample.queue,
      routingKey: sample.queue,
    });
    await transport.publish(decoded.message, { exchange: '', routingKey: sample.queue });
    const redis = rawClient();
    try {
      const [stored] = await redis.lrange(prefix + sample.queue, 0, -1);
      const tag = decodeEnvelope(stored!).deliveryTag!;
      expect(tag).toMatch(/^[0-9a-f-]{36}$/);
      expect(stored!.replace(tag, decoded.deliveryTag!)).toBe(sample.raw[0]);
      expect(await redis.smembers(`${prefix}_kombu.binding.${sample.queue}`)).toEqual([
        `${sample.queue}${SEP}${SEP}${sample.queue}`,
      ]);
    } finally {
      redis.disconnect();
    }
  });

  it('marks a restored envelope redelivered in headers and delivery_info, as kombu does', () => {
    const raw = (fixture('message-add.json') as { raw: string[] }).raw[0]!;
    const restored = markRedelivered(raw);
    expect(restored).toContain('"ignore_result": false, "redelivered": true}');
    expect(restored).toContain('"routing_key": "interop.samples.add", "redelivered": true}');
    expect(decodeEnvelope(restored).redelivered).toBe(true);
  });
});

describe('priorities', () => {
  it('buckets priorities into <q>, <q>\\x06\\x163, \\x06\\x166, \\x06\\x169 and serves 0 first', async () => {
    const prefix = prefixed();
    const transport = transportFor(prefix);
    await transport.connect();
    const queue = `prio-${randomUUID().slice(0, 6)}`;
    const encoder = new TextEncoder();
    for (const [id, priority] of [
      ['p9', 9],
      ['p5', 5],
      ['p0', 0],
      ['p7', 7],
      ['p2', 2],
    ] as const) {
      await transport.publish(
        {
          body: encoder.encode('{}'),
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          headers: { id },
          properties: { priority },
        },
        { exchange: '', routingKey: queue },
      );
    }
    const redis = rawClient();
    try {
      const lengths = await Promise.all(
        ['', `${SEP}3`, `${SEP}6`, `${SEP}9`].map((suffix) => redis.llen(prefix + queue + suffix)),
      );
      expect(lengths).toEqual([2, 1, 1, 1]);
    } finally {
      redis.disconnect();
    }
    const collector = await collectDeliveries(transport, [queue], { prefetch: 1, autoAck: true });
    await collector.waitForCount(5, 5000);
    expect(collector.ids()).toEqual(['p0', 'p2', 'p5', 'p7', 'p9']);
  });
});

describe('ack emulation', () => {
  it('holds a taken message in unacked ([envelope, exchange, routing_key]) and unacked_index', async () => {
    const prefix = prefixed();
    const transport = transportFor(prefix);
    await transport.connect();
    const queue = `held-${randomUUID().slice(0, 6)}`;
    const sample = fixture('message-add.json') as { raw: string[] };
    const redis = rawClient();
    cleanups.push(async () => redis.disconnect());
    await redis.lpush(prefix + queue, sample.raw[0]!);
    const before = Date.now() / 1000;
    const collector = await collectDeliveries(transport, [queue], { prefetch: 1 });
    const [delivery] = await collector.waitForCount(1, 5000);
    const tag = delivery!.deliveryTag;
    expect(tag).toBe(decodeEnvelope(sample.raw[0]!).deliveryTag);
    expect(await redis.hget(`${prefix}unacked`, tag)).toBe(
      `[${sample.raw[0]}, "", "interop.samples.add"]`,
    );
    const score = Number(await redis.zscore(`${prefix}unacked_index`, tag));
    expect(score).toBeGreaterThanOrEqual(before - 1);
    expect(score).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(await redis.llen(prefix + queue)).toBe(0);
    await delivery!.ack();
    expect(await redis.hexists(`${prefix}unacked`, tag)).toBe(0);
    expect(await redis.zscore(`${prefix}unacked_index`, tag)).toBeNull();
  });

  it('restores a message held past the visibility timeout, flagged redelivered, at the front', async () => {
    const prefix = prefixed();
    // kombu restores by the envelope's delivery_info: the sample's own queue (prefixed).
    const queue = 'interop.samples.add';
    const holder = transportFor(prefix, {
      visibilityTimeout: 1,
      renewIntervalMs: 0,
      restoreIntervalMs: 60_000,
    });
    await holder.connect();
    const sample = fixture('message-add.json') as { raw: string[] };
    const redis = rawClient();
    cleanups.push(async () => redis.disconnect());
    await redis.lpush(prefix + queue, sample.raw[0]!);
    const collector = await collectDeliveries(holder, [queue], { prefetch: 1 });
    await collector.waitForCount(1, 5000);
    await collector.cancel();
    await redis.lpush(prefix + queue, 'newer-message-placeholder');

    const restorer = transportFor(prefix, { visibilityTimeout: 1 });
    await restorer.connect();
    expect(await restorer.restoreVisible()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await restorer.restoreVisible()).toBe(1);
    // RPUSH: the restored message is the next one served (BRPOP/RPOP take from the right).
    expect(await redis.rpop(prefix + queue)).toBe(markRedelivered(sample.raw[0]!));
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
    expect(await redis.zcard(`${prefix}unacked_index`)).toBe(0);
  });

  it('renewal keeps a long-held message from being restored', async () => {
    const prefix = prefixed();
    const queue = `renew-${randomUUID().slice(0, 6)}`;
    const holder = transportFor(prefix, {
      visibilityTimeout: 1,
      renewIntervalMs: 250,
      restoreIntervalMs: 60_000,
    });
    await holder.connect();
    await holder.publish(
      {
        body: new Uint8Array([123, 125]),
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        headers: { id: 'long' },
        properties: {},
      },
      { exchange: '', routingKey: queue },
    );
    const collector = await collectDeliveries(holder, [queue], { prefetch: 1 });
    const [delivery] = await collector.waitForCount(1, 5000);
    const restorer = transportFor(prefix, { visibilityTimeout: 1 });
    await restorer.connect();
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await restorer.restoreVisible()).toBe(0);
    }
    expect(await restorer.queueLength(queue)).toBe(0);
    await delivery!.ack();
  });
});

describe('fanout', () => {
  it('publishes celeryev on /<db>.celeryev/<routing_key> and pidbox on /<db>.celery.pidbox', async () => {
    const prefix = prefixed();
    const transport = transportFor(prefix);
    await transport.connect();
    const sub = rawClient();
    cleanups.push(async () => sub.disconnect());
    const got: string[] = [];
    sub.on('pmessage', (_pattern: string, channel: string) => got.push(channel));
    await sub.psubscribe(`${prefix}/0.*`);
    const message = {
      body: new Uint8Array([123, 125]),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: {},
      properties: { deliveryMode: 1 as const },
    };
    await transport.publish(message, { exchange: 'celeryev', routingKey: 'worker.heartbeat' });
    await transport.publish(message, { exchange: 'celery.pidbox', routingKey: '' });
    await waitFor(() => got.length === 2, { timeoutMs: 5000, description: 'two fanout messages' });
    expect(got).toEqual([`${prefix}/0.celeryev/worker.heartbeat`, `${prefix}/0.celery.pidbox`]);
  });
});

describe('result backend', () => {
  it.each(['result-add.json', 'result-fail.json'])(
    'stores %s exactly as Celery did, with SETEX 86400',
    async (name) => {
      const sample = fixture(name) as { results: { key: string; raw: string }[] };
      const { key, raw } = sample.results[0]!;
      const keyPrefix = prefixed();
      const backend = createRedisResultBackend(REDIS_URL, { keyPrefix });
      cleanups.push(() => backend.close());
      const taskId = key.slice('celery-task-meta-'.length);
      const meta = parseResultMeta(raw, { taskId });
      const redis = rawClient();
      cleanups.push(async () => redis.disconnect());
      const published: string[] = [];
      const sub = rawClient();
      cleanups.push(async () => sub.disconnect());
      sub.on('message', (_channel: string, message: string) => published.push(message));
      await sub.subscribe(keyPrefix + key);
      expect(await backend.store(meta)).toBe(true);
      expect(await redis.get(keyPrefix + key)).toBe(raw);
      expect(await redis.ttl(keyPrefix + key)).toBe(86400);
      await waitFor(() => published.length === 1, { timeoutMs: 5000, description: 'the PUBLISH' });
      expect(published[0]).toBe(raw);
      expect(await backend.get(taskId)).toEqual(meta);
    },
  );

  it('saves groups as celery-taskset-meta-<gid> in GroupResult.as_tuple() form', async () => {
    const keyPrefix = prefixed();
    const backend = createRedisResultBackend(REDIS_URL, { keyPrefix });
    cleanups.push(() => backend.close());
    await backend.saveGroup({ groupId: 'g1', taskIds: ['t1', 't2'] });
    const redis = rawClient();
    cleanups.push(async () => redis.disconnect());
    expect(await redis.get(`${keyPrefix}celery-taskset-meta-g1`)).toBe(
      '{"result": [["g1", null], [[["t1", null], null], [["t2", null], null]]]}',
    );
  });
});

export type { Delivery };
