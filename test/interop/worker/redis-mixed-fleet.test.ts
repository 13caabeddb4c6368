/**
 * Issue 4/5 on Redis, a mixed fleet: a Python Celery 5.2.6 worker and a celeriac worker
 * consume one queue side by side (every task runs exactly once, both take part), and a
 * message a SIGKILLed celeriac worker held is restored and run by the Python worker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from 'celeriac';
import { createRedisResultBackend } from '@celeriac/redis';
import { waitFor } from '@celeriac/testing';
import { killChild, startWorkerChild } from '../../reliability/redis-support.js';
import type { WorkerChild } from '../../reliability/redis-support.js';
import { registerTasks } from './support/celeriac-tasks.js';
import {
  REDIS_URL,
  killPythonChildren,
  runPythonClient,
  startPythonWorker,
} from './support/python.js';
import { deleteRedisKeys, redisNames } from './support/redis.js';

const TASKS = 300;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('a Python and a celeriac worker on one Redis queue', () => {
  it(`run ${TASKS} tasks from both clients exactly once, both workers taking part`, async () => {
    const { prefix, queue } = redisNames();
    const redis = new Redis(REDIS_URL);
    const app = createApp({ broker: REDIS_URL, redis: { globalKeyprefix: prefix } });
    cleanups.push(async () => {
      await app.close();
      redis.disconnect();
      await deleteRedisKeys(prefix, []);
    });
    registerTasks(app, redis);
    const key = `${prefix}runs`;
    const python = await startPythonWorker({ broker: REDIS_URL, prefix, queue }, [queue]);
    const worker = await app.worker({
      queues: [queue],
      concurrency: 4,
      prefetchMultiplier: 1,
      hostname: `ts-${queue}@interop`,
      logger: quiet,
      control: false,
    });
    await worker.start();

    const half = TASKS / 2;
    const fromPython = Array.from({ length: half }, (_, n) => ({
      task: 'wk.record',
      args: [n, key],
      options: { ignore_result: true },
      mode: 'send' as const,
    }));
    const [{ ids: pythonIds }, celeriacIds] = await Promise.all([
      runPythonClient({ broker: REDIS_URL, prefix, queue }, fromPython),
      Promise.all(
        Array.from({ length: half }, async (_, i) => {
          const result = await app.sendTask(
            'wk.record',
            [half + i, key],
            {},
            {
              queue,
              ignoreResult: true,
            },
          );
          return result.id;
        }),
      ),
    ]);
    expect(new Set([...pythonIds, ...celeriacIds]).size).toBe(TASKS);

    await waitFor(async () => (await redis.hlen(key)) === TASKS, {
      timeoutMs: 40_000,
      intervalMs: 100,
      description: `${TASKS} tasks recorded`,
    });
    // Give a duplicate (a task run twice) time to show up before counting.
    await sleep(1_500);
    const runs = await redis.hgetall(key);
    const who = await redis.hgetall(`${key}:who`);
    expect(
      Object.keys(runs)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: TASKS }, (_, n) => n));
    expect(Object.values(runs).every((count) => count === '1')).toBe(true);
    const byPython = Object.values(who).filter((w) => w === 'python').length;
    const byCeleriac = Object.values(who).filter((w) => w === 'celeriac').length;
    expect(byPython + byCeleriac).toBe(TASKS);
    expect(byPython).toBeGreaterThan(0);
    expect(byCeleriac).toBeGreaterThan(0);
    // Nothing left queued or held.
    expect(await redis.llen(`${prefix}${queue}`)).toBe(0);
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
    console.info(`mixed fleet: python ran ${byPython}, celeriac ran ${byCeleriac}`);

    await worker.stop();
    await python.stop();
  }, 60_000);

  it('restores a message a SIGKILLed celeriac worker held and runs it on the Python worker', async () => {
    const { prefix, queue } = redisNames();
    const redis = new Redis(REDIS_URL);
    const backend = createRedisResultBackend(REDIS_URL);
    // The celeriac worker of the reliability tests: `reliability.record` is acks-late and
    // sleeps TASK_MS before it records; its visibility timeout is long, so only the
    // Python side (3 s) will find the message expired.
    const child: WorkerChild = startWorkerChild({
      brokerUrl: REDIS_URL,
      prefix,
      queue,
      visibility: 3600,
      concurrency: 1,
      taskMs: 60_000,
    });
    const ids: string[] = [];
    cleanups.push(async () => {
      await killChild(child.process);
      await backend.close();
      redis.disconnect();
      await deleteRedisKeys(prefix, ids);
    });
    await child.ready;
    const env = { broker: REDIS_URL, backend: REDIS_URL, prefix, queue, visibility: 3 };
    const { ids: sent } = await runPythonClient(env, [
      { task: 'reliability.record', args: [7], mode: 'send' },
    ]);
    ids.push(...sent);
    const id = sent[0]!;

    // Held by the celeriac worker: off the queue, in kombu's unacked hash, running.
    await waitFor(
      async () =>
        (await redis.llen(`${prefix}${queue}`)) === 0 &&
        (await redis.hlen(`${prefix}unacked`)) === 1,
      { timeoutMs: 10_000, description: 'the celeriac worker holds the message' },
    );
    await sleep(300);
    await killChild(child.process);
    expect(child.process.signalCode).toBe('SIGKILL');
    expect(await redis.hlen(`${prefix}unacked`)).toBe(1);
    expect(await redis.hlen(`${prefix}runs`)).toBe(0);

    // kombu 5.2 restores expired messages when a worker starts polling, and then only on
    // every tenth tick of a 10 s timer (`QoS.restore_visible(interval=10)`): start the
    // Python worker once the held message is past Python's visibility timeout.
    const [, score] = await redis.zrange(`${prefix}unacked_index`, 0, 0, 'WITHSCORES');
    const visibleAt = (Number(score) + env.visibility) * 1000 + 500;
    await sleep(Math.max(0, visibleAt - Date.now()));
    const startedAt = Date.now();
    const python = await startPythonWorker(env, [queue]);
    const meta = await backend.wait(id, { timeoutMs: 30_000 });
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 7, taskId: id });
    expect(await redis.hgetall(`${prefix}runs`)).toEqual({ '7': '1' });
    expect(await redis.hget(`${prefix}who`, '7')).toBe('python');
    expect(await redis.hlen(`${prefix}unacked`)).toBe(0);
    expect(python.output()).toMatch(new RegExp(`Task reliability\\.record\\[${id}\\] succeeded`));
    console.info(
      `restored and run by the Python worker ${Date.now() - startedAt} ms after its start`,
    );
    await python.stop();
  }, 60_000);
});
