/**
 * Issue 20's dedup across processes, on Redis and on RabbitMQ: 4 processes each send 25
 * concurrent tasks with one `dedupKey` (100 sends) to a celeriac worker; the handler runs
 * once and every caller gets its result. The record is the Redis result backend's
 * `claimDedup` (`SET NX PX`) in both cases: the broker only carries the one task sent.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpTransport, createAmqpTransport } from '@celeriac/amqp';
import { uuid4, type Transport } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask, silentLogger } from '@celeriac/worker';
import { TEST_REDIS_URL, deleteRedisKeys } from '../support/redis-keys.js';

const AMQP_URL = process.env['CELERIAC_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SENDER = fileURLToPath(new URL('./dedup-sender.ts', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function sender(env: Record<string, string>): Promise<{ ids: string[]; values: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@celeriac/source', '--import', 'tsx', SENDER],
      {
        cwd: REPO,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line) as { ids: string[]; values: number[] });
      else reject(new Error(`sender exited ${code}: ${err.slice(0, 500)}`));
    });
  });
}

const brokers: { name: string; url: string; transport: (prefix: string) => Transport }[] = [
  {
    name: 'Redis',
    url: TEST_REDIS_URL,
    transport: (prefix) => createRedisTransport(TEST_REDIS_URL, { globalKeyprefix: prefix }),
  },
  { name: 'RabbitMQ', url: AMQP_URL, transport: () => createAmqpTransport(AMQP_URL) },
];

describe.each(brokers)('dedup across processes ($name, records in Redis)', (broker) => {
  it('100 concurrent sends with one key from 4 processes: the handler runs once, all get its result', async () => {
    const id = uuid4().slice(0, 8);
    const prefix = `celeriac-dedup-${id}:`;
    const queue = `dedup.${id}`;
    const transport = broker.transport(prefix);
    let runs = 0;
    const worker = createWorker({
      transport,
      backend: createRedisResultBackend(TEST_REDIS_URL, { keyPrefix: prefix }),
      tasks: [
        implementTask('dedup.charge', async (_ctx, amount: number) => {
          runs += 1;
          await new Promise((r) => setTimeout(r, 200));
          return amount * 2;
        }),
      ],
      queues: [queue],
      hostname: `dedup-${id}@test`,
      logger: silentLogger,
      control: false,
      ownBackend: true,
    });
    await worker.start();
    cleanups.push(async () => {
      await worker.stop();
      await transport.deleteQueue(queue).catch(() => undefined);
      if (transport instanceof AmqpTransport) {
        await transport.deleteExchange(queue).catch(() => undefined);
      }
      await transport.close();
      await deleteRedisKeys(prefix);
    });
    const env = {
      DEDUP_BROKER: broker.url,
      DEDUP_URL: TEST_REDIS_URL,
      DEDUP_PREFIX: prefix,
      DEDUP_QUEUE: queue,
      DEDUP_KEY: `charge-${id}`,
      DEDUP_COUNT: '25',
    };
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => sender(env)));
    const ids = new Set(outcomes.flatMap((o) => o.ids));
    expect(ids.size).toBe(1);
    expect(outcomes.flatMap((o) => o.values)).toEqual(Array.from({ length: 100 }, () => 20));
    expect(runs).toBe(1);
  }, 60_000);
});
