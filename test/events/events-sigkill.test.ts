/**
 * Issue 20's durability claim on Redis and RabbitMQ: 1,000 events published as `celeriac.publish`
 * tasks (as a Python publisher sends them) are fanned out to three subscriptions by a
 * celeriac worker running the publish bridge with late acknowledgement. The worker is
 * SIGKILLed mid-way and a new one started: every subscription's queue then holds all
 * 1,000 events (no subscription skipped), and the duplicates — bridge tasks in flight at
 * the kill, delivered again and republished under the same message id, so with the same
 * task ids — are counted and bounded by what was in flight.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@celeriac/client';
import {
  PUBLISH_QUEUE,
  PUBLISH_TASK,
  readMessageHeader,
  uuid4,
  decodeTaskMessage,
} from '@celeriac/protocol';
import { AmqpTransport, createAmqpTransport } from '@celeriac/amqp';
import { createRedisTransport } from '@celeriac/redis';
import type { Transport } from '@celeriac/protocol';
import { TEST_REDIS_URL, deleteRedisKeys } from '../support/redis-keys.js';

const AMQP_URL = process.env['CELERIAC_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';
const CHILD = fileURLToPath(new URL('./bridge-worker-child.ts', import.meta.url));
const EVENTS = 1000;
const CONCURRENCY = 4;

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function startBridge(brokerUrl: string, prefix: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=@celeriac/source', '--import', 'tsx', CHILD],
    {
      env: {
        ...process.env,
        BROKER_URL: brokerUrl,
        RESULTS_URL: TEST_REDIS_URL,
        PREFIX: prefix,
        VISIBILITY: '2',
        CONCURRENCY: String(CONCURRENCY),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bridge worker not ready:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bridge worker exited (${code}):\n${out}`));
    });
  });
}

const brokers = [
  {
    name: 'Redis',
    url: TEST_REDIS_URL,
    make: (prefix: string): Transport =>
      createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix, prioritySteps: [0] }),
    q: (_prefix: string, name: string) => name,
  },
  {
    name: 'RabbitMQ',
    url: AMQP_URL,
    make: (): Transport => createAmqpTransport(AMQP_URL),
    // No key prefix on RabbitMQ: the queue names carry it (as the child's do).
    q: (prefix: string, name: string) => `${prefix}${name}`,
  },
];

describe.each(brokers)('event fan-out survives a SIGKILLed bridge worker ($name)', (broker) => {
  it('every subscription gets all 1,000 events; duplicates bounded by what was in flight', async () => {
    const prefix = `celeriac-evk-${uuid4().slice(0, 8)}:`;
    const q = (name: string) => broker.q(prefix, name);
    const transport = broker.make(prefix);
    const client = createClient({ transport, taskDefaults: { ignoreResult: true } });
    cleanups.push(async () => {
      await client.close();
      for (const name of [PUBLISH_QUEUE, 'sub-a', 'sub-b', 'sub-c']) {
        if (transport instanceof AmqpTransport) {
          await transport.deleteQueue(q(name)).catch(() => undefined);
          await transport.deleteExchange(q(name)).catch(() => undefined);
        }
      }
      await transport.close();
      await deleteRedisKeys(prefix);
    });
    // 0 until the child's first publish declares the queue (RabbitMQ answers 404 before).
    const length = (name: string) => transport.queueLength(q(name)).catch(() => 0);
    const first = await startBridge(broker.url, prefix);
    const sent: Promise<unknown>[] = [];
    for (let n = 0; n < EVENTS; n++) {
      sent.push(
        client.sendTask(
          PUBLISH_TASK,
          ['shop.order.created', { n }],
          {},
          { queue: q(PUBLISH_QUEUE) },
        ),
      );
    }
    await Promise.all(sent);

    // Kill the bridge once it fanned out some hundreds of events, not all.
    const started = Date.now();
    while ((await length('sub-c')) < 200 && Date.now() - started < 30_000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    children.delete(first);
    const atKill = await length('sub-c');
    expect(atKill).toBeGreaterThanOrEqual(200);
    expect(atKill).toBeLessThan(EVENTS);

    await startBridge(broker.url, prefix);
    const finished = Date.now();
    while ((await length('sub-c')) < EVENTS && Date.now() - finished < 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Let redelivered bridge tasks (after the 2 s visibility timeout) finish too.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await length(PUBLISH_QUEUE)).toBe(0);

    const report: Record<string, { total: number; unique: number; duplicates: number }> = {};
    for (const queue of ['sub-a', 'sub-b', 'sub-c']) {
      const payloads = new Set<number>();
      const ids = new Set<string>();
      let total = 0;
      let unmarked = 0;
      await new Promise<void>((resolve, reject) => {
        let timer = setTimeout(resolve, 1000);
        void transport
          .consume(
            [q(queue)],
            (delivery) => {
              total++;
              const task = decodeTaskMessage(delivery.message);
              payloads.add((task.args[0] as { n: number }).n);
              ids.add(task.headers.id);
              if (readMessageHeader(delivery.message.headers)?.subscription === undefined) {
                unmarked++;
              }
              void delivery.ack();
              clearTimeout(timer);
              timer = setTimeout(resolve, 500);
            },
            { prefetch: 0 },
          )
          .then((subscription) => cleanups.push(() => subscription.cancel()), reject);
      });
      // Every event reached every subscription, and a duplicate is the same task again.
      expect(payloads.size).toBe(EVENTS);
      expect(ids.size).toBe(EVENTS);
      expect(unmarked).toBe(0);
      report[queue] = { total, unique: ids.size, duplicates: total - ids.size };
    }
    console.log(JSON.stringify({ events: EVENTS, killedAfter: atKill, report }));
    for (const { duplicates } of Object.values(report)) {
      // At most the bridge tasks the killed worker held: its prefetch (concurrency × 4).
      expect(duplicates).toBeLessThanOrEqual(CONCURRENCY * 4);
    }
  }, 120_000);
});
