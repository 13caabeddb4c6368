/**
 * On Redis and RabbitMQ: a process unit SIGKILLed mid-task, its task acked late with
 * `rejectOnWorkerLost`, goes back to its queue and runs again to SUCCESS; acked early,
 * it is FAILURE WorkerLostError. Keys and queues are the test's own, deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createAmqpTransport } from '@celeriac/amqp';
import { MemoryResultBackend, MemoryResultStore } from '@celeriac/memory';
import type { ResultBackend, Transport } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, silentLogger } from '@celeriac/worker';
import { waitFor } from '@celeriac/testing';
import { deleteRedisKeys, TEST_REDIS_URL } from '../support/redis-keys.js';
import { appModule, celeryMessage, scratchFile, tasks } from './support.js';

const REDIS_URL = TEST_REDIS_URL;
const AMQP_URL = process.env['CELERIAC_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672//';
const quiet = { logger: { warn: () => undefined } };

interface BrokerCase {
  readonly name: string;
  transport(prefix: string): Transport;
  backend(prefix: string): ResultBackend;
  cleanup(prefix: string, queue: string, ids: readonly string[]): Promise<void>;
}

const BROKERS: BrokerCase[] = [
  {
    name: 'Redis',
    transport: (prefix) => createRedisTransport(REDIS_URL, { globalKeyprefix: prefix }),
    backend: () => createRedisResultBackend(REDIS_URL),
    cleanup: (prefix, _queue, ids) =>
      deleteRedisKeys(
        prefix,
        ids.map((id) => `celery-task-meta-${id}`),
        REDIS_URL,
      ),
  },
  {
    name: 'RabbitMQ',
    transport: () => createAmqpTransport(AMQP_URL, quiet),
    // The broker is what matters here; results go to memory.
    backend: () => new MemoryResultBackend({ store: new MemoryResultStore() }),
    cleanup: async (_prefix, queue) => {
      const admin = createAmqpTransport(AMQP_URL, quiet);
      try {
        await admin.connect();
        await admin.deleteQueue(queue);
      } finally {
        await admin.close();
      }
    },
  },
];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function readPid(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8')) || undefined;
  } catch {
    return undefined;
  }
}

describe.each(BROKERS)('a process unit killed on $name', (broker) => {
  it('acks late + rejectOnWorkerLost: requeued and run again; acked early: WorkerLostError', async () => {
    const prefix = `celeriac-pools-${randomUUID().slice(0, 8)}:`;
    const queue = `pools.${randomUUID().slice(0, 8)}`;
    const transport = broker.transport(prefix);
    const producer = broker.transport(prefix);
    const backend = broker.backend(prefix);
    const ids: string[] = [];
    const worker = createWorker({
      transport,
      backend,
      tasks,
      queues: [queue],
      pool: 'processes',
      appModule,
      concurrency: 1,
      hostname: `pools-${queue}@test`,
      logger: silentLogger,
      control: false,
    });
    cleanups.push(async () => {
      await worker.stop({ mode: 'cold' });
      await transport.close();
      await producer.close();
      await backend.close();
      await broker.cleanup(prefix, queue, ids);
    });
    await worker.start();
    await producer.connect();
    const send = async (name: string, args: unknown[]) => {
      const message = celeryMessage(name, { args });
      ids.push(String(message.headers.id));
      await producer.publish(message, { exchange: '', routingKey: queue });
      return String(message.headers.id);
    };
    const result = (id: string, status: string) =>
      waitFor(
        async () => {
          const meta = await backend.get(id);
          return meta.status === status ? meta : undefined;
        },
        { timeoutMs: 20_000, description: `${status} for ${id}` },
      );

    const file = scratchFile('first-run');
    const late = await send('pools.once', [file]);
    process.kill(await waitFor(() => readPid(file), { timeoutMs: 15_000 }), 'SIGKILL');
    expect((await result(late, 'SUCCESS')).result).toBe('second run');

    const early = await send('pools.sleep', [30_000]);
    const pid = await waitFor(() => worker.inspect.active()[0]?.worker_pid ?? undefined, {
      timeoutMs: 15_000,
    });
    process.kill(pid, 'SIGKILL');
    expect((await result(early, 'FAILURE')).result).toMatchObject({ excType: 'WorkerLostError' });
  });
});
