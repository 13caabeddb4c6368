/**
 * The shop example (examples/shop) runs to the end as its own process, on memory://,
 * Redis and RabbitMQ with Redis results: exit 0 and the story — one order confirmed after
 * email and SMS; one refused (422) that fails its chord at once with ChordError and whose
 * errback pages the on-call; one hit by a provider outage (503), retried, reported
 * undelivered and escalated by the chord body replacing itself with the alert task.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

const REDIS_URL = process.env['CELERIAC_TEST_REDIS'] ?? 'redis://127.0.0.1:6379/0';
const AMQP_URL = process.env['CELERIAC_TEST_AMQP'] ?? 'amqp://guest:guest@127.0.0.1:5672//';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Run the example and check its exit code and every `[shop]` line; returns its queue. */
async function expectStory(
  args: string[],
  broker: string,
  results: string,
  queue: RegExp = /shop\.[0-9a-f]{8}/,
): Promise<string> {
  const { code, out } = await runExample('shop', args, 60_000);
  expect(code, out).toBe(0);
  const story = out.split('\n').filter((line) => line.startsWith('[shop] '));
  const header = new RegExp(
    `^\\[shop\\] broker ${escape(broker)}, results ${escape(results)}, queue (${queue.source}), provider http://127\\.0\\.0\\.1:\\d+$`,
  );
  expect(story[0], out).toMatch(header);
  expect(story.slice(1), out).toEqual([
    '[shop] order A-1001 placed',
    '[shop] order A-1001 notified by email and sms',
    '[shop] order A-1001 confirmed (2 receipts)',
    '[shop] order A-1002 placed',
    expect.stringMatching(
      /^\[shop\] order A-1002 not confirmed: ChordError: Dependency [0-9a-f-]{36} raised ProviderError\('sms provider answered 422: carrier rejected \+33 6 00 00 00 02'\)$/,
    ),
    '[shop] alert_ops paged on-call about order A-1002',
    '[shop] order A-1003 placed',
    '[shop] order A-1003 provider down: email 503, 503, 503; sms 503, 503, 503',
    '[shop] order A-1003 escalated: no notification delivered: email 503 (3 attempts), sms 503 (3 attempts)',
    '[shop] alert_ops paged on-call about order A-1003 (1 page)',
    '[shop] done',
  ]);
  return header.exec(story[0] ?? '')?.[1] ?? '';
}

describe('examples/shop', () => {
  it('runs the story on memory:// and exits 0', async () => {
    await expectStory([], 'memory://', 'memory://');
  }, 90_000);

  it('runs on Redis: two runs at once, each on its own queue, both tell the whole story', async () => {
    const args = ['--broker', REDIS_URL];
    const queues = await Promise.all([
      expectStory(args, REDIS_URL, REDIS_URL),
      expectStory(args, REDIS_URL, REDIS_URL),
    ]);
    expect(new Set(queues).size).toBe(2);
  }, 90_000);

  it('runs on RabbitMQ with Redis results, on the queue --queue names', async () => {
    const queue = `shop.test-${randomUUID().slice(0, 8)}`;
    const args = ['--broker', AMQP_URL, '--backend', REDIS_URL, '--queue', queue];
    expect(await expectStory(args, AMQP_URL, REDIS_URL, new RegExp(escape(queue)))).toBe(queue);
  }, 90_000);
});
