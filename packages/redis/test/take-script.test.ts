/**
 * The take script reads each envelope's delivery tag, exchange and routing key by a cheap
 * tail match when the envelope has kombu's layout, and by `cjson.decode` otherwise. Both
 * ways must record the same `[envelope, exchange, routing_key]` in `unacked` under the
 * same tag, whatever the strings hold.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisTransport } from '@celeriac/redis';
import { collectDeliveries, testMessage } from '@celeriac/testing';
import { withScripts } from '../src/lua-scripts.js';
import { REDIS_URL, deletePrefixed, rawClient, testPrefix } from './redis-fixture.js';

const sample = (
  JSON.parse(readFileSync(new URL('./fixtures/message-add.json', import.meta.url), 'utf8')) as {
    raw: string[];
  }
).raw[0]!;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** What kombu stores for an envelope: its JSON with exchange and routing key appended. */
function expectedRecord(raw: string): string {
  const info = (
    JSON.parse(raw) as { properties: { delivery_info: { exchange: string; routing_key: string } } }
  ).properties.delivery_info;
  return `[${raw}, ${JSON.stringify(info.exchange)}, ${JSON.stringify(info.routing_key)}]`;
}

describe('take script', () => {
  it('records kombu-layout envelopes and unusual ones alike', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deletePrefixed(prefix));
    const queue = 'take-script';
    const withTag = (raw: string, tag: string) =>
      raw.replace(/"delivery_tag": "[^"]*"/, `"delivery_tag": ${JSON.stringify(tag)}`);
    const envelopes = [
      // kombu's own layout (the fast path)
      withTag(sample, 'plain'),
      // escapes and control characters in the routing key and exchange (cjson path)
      withTag(sample, 'escaped').replace(
        '"routing_key": "interop.samples.add"',
        '"routing_key": "a\\"b\\u00e9\\n"',
      ),
      withTag(sample, 'tab').replace('"exchange": ""', '"exchange": "ex\\tx"'),
      // non-ASCII left as UTF-8 (fast path)
      withTag(sample, 'utf8').replace(
        '"routing_key": "interop.samples.add"',
        '"routing_key": "ü-ñ"',
      ),
      // a priority that is not a plain integer (cjson path)
      withTag(sample, 'nullprio').replace('"priority": 0', '"priority": null'),
      // a header mimicking delivery_info ahead of the real one: the first match of
      // `, "delivery_info": {"exchange": "` is not the tail (cjson path)
      withTag(sample, 'mimic').replace(
        '"headers": {',
        '"headers": {"x": 1, "delivery_info": {"exchange": "zz", "routing_key": "yy"}, ',
      ),
    ];
    const redis = rawClient();
    cleanups.push(async () => redis.disconnect());
    for (const raw of envelopes) await redis.lpush(prefix + queue, raw);

    const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    cleanups.push(() => transport.close());
    const collector = await collectDeliveries(transport, [queue], { prefetch: 0 });
    const deliveries = await collector.waitForCount(envelopes.length, 5000);
    expect(deliveries.map((d) => d.deliveryTag)).toEqual([
      'plain',
      'escaped',
      'tab',
      'utf8',
      'nullprio',
      'mimic',
    ]);
    const held = await redis.hgetall(`${prefix}unacked`);
    for (const [i, raw] of envelopes.entries()) {
      expect(held[deliveries[i]!.deliveryTag]).toBe(expectedRecord(raw));
    }
    expect(deliveries.map((d) => d.routingKey)).toEqual([
      'interop.samples.add',
      'a"bé\n',
      'interop.samples.add',
      'ü-ñ',
      'interop.samples.add',
      'interop.samples.add',
    ]);
  });
});

describe('take byte budget', () => {
  it('stops a take of large messages at about 2 MB, says there is more, and loses none', async () => {
    const prefix = testPrefix();
    const redis = rawClient();
    const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    cleanups.push(
      () => deletePrefixed(prefix),
      async () => redis.disconnect(),
      () => transport.close(),
    );
    const queue = 'take-budget';
    const big = 'y'.repeat(40_000);
    const bodies = Array.from({ length: 30 }, (_, i) => `${i}:${big}`);
    for (const body of bodies) {
      await transport.publish(testMessage(body), { exchange: '', routingKey: queue });
    }
    // The script as the consumer calls it: one queue, a limit of 100.
    const scripted = withScripts(redis);
    const keys = [`${prefix}unacked`, `${prefix}unacked_index`, `${prefix}${queue}`];
    const first = await scripted.celeriacTake(keys, String(Date.now() / 1000), 100, 1);
    const taken = Math.floor(first.length / 3);
    expect(first.length % 3).toBe(1);
    expect(first.at(-1)).toBe('more');
    expect(taken).toBeLessThan(30);
    const sizes = Array.from({ length: taken }, (_, i) => String(first[3 * i + 2]).length);
    const total = sizes.reduce((a, b) => a + b, 0);
    // At the budget with the last message, under it without.
    expect(total).toBeGreaterThanOrEqual(2 * 1024 * 1024);
    expect(total - sizes.at(-1)!).toBeLessThan(2 * 1024 * 1024);
    expect(await redis.hlen(`${prefix}unacked`)).toBe(taken);

    // A consumer gets every message, oldest first, whatever the takes' sizes.
    const collector = await collectDeliveries(transport, [queue], { prefetch: 0 });
    const deliveries = await collector.waitForCount(30 - taken, 10_000);
    const order = deliveries.map(
      (d) => /(\d+):y/.exec(Buffer.from(d.message.body).toString())?.[1],
    );
    expect(order).toEqual(bodies.slice(taken).map((_, i) => String(i + taken)));
  });
});
