/**
 * On Redis: a process unit SIGKILLed mid-task, its task acked late with
 * `rejectOnWorkerLost`, goes back to its queue and runs again to SUCCESS; acked early,
 * it is FAILURE WorkerLostError. Keys and queue are the test's own, deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, silentLogger } from '@celeriac/worker';
import { waitFor } from '@celeriac/testing';
import { deleteRedisKeys, TEST_REDIS_URL } from '../support/redis-keys.js';
import { appModule, celeryMessage, scratchFile, tasks } from './support.js';

const REDIS_URL = TEST_REDIS_URL;
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

describe('a process unit killed on Redis', () => {
  it('acks late + rejectOnWorkerLost: requeued and run again; acked early: WorkerLostError', async () => {
    const prefix = `celeriac-pools-${randomUUID().slice(0, 8)}:`;
    const queue = `pools.${randomUUID().slice(0, 8)}`;
    const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    const producer = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    const backend = createRedisResultBackend(REDIS_URL);
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
      await deleteRedisKeys(
        prefix,
        ids.map((id) => `celery-task-meta-${id}`),
        REDIS_URL,
      );
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
