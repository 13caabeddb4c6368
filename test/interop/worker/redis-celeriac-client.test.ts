/**
 * Issue 4/5 on Redis: celeriac's client (`createApp(...).sendTask`) sends to a Python
 * Celery 5.2.6 worker and reads its results: a value, kwargs, a Python `ValueError` as a
 * `RemoteTaskError` with the Python traceback, and a PROGRESS state through
 * `get({ onUpdate })`.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteTaskError, createApp } from 'celeriac';
import type { ResultMeta } from '@celeriac/protocol';
import { REDIS_URL, killPythonChildren, startPythonWorker } from './support/python.js';
import { deleteRedisKeys, redisNames } from './support/redis.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('celeriac client → a Python Celery 5.2 worker (Redis)', () => {
  it('reads a value, kwargs, a ValueError with its traceback, and PROGRESS via onUpdate', async () => {
    const { prefix, queue } = redisNames();
    const redis = new Redis(REDIS_URL);
    const app = createApp({ broker: REDIS_URL, redis: { globalKeyprefix: prefix } });
    const ids: string[] = [];
    cleanups.push(async () => {
      await app.close();
      redis.disconnect();
      await deleteRedisKeys(prefix, ids);
    });
    const worker = await startPythonWorker(
      { broker: REDIS_URL, backend: REDIS_URL, prefix, queue },
      [queue],
    );

    const send = async (name: string, args: unknown[], kwargs: Record<string, unknown> = {}) => {
      const result = await app.sendTask(name, args, kwargs, { queue });
      ids.push(result.id);
      return result;
    };
    const added = await send('wk.add', [20, 22]);
    const echoed = await send('wk.echo', ['ünï', 1.5], { k: [1, null, { x: 'y' }] });
    const failed = await send('wk.fail', ['bad input']);
    const gate = `${prefix}gate:progress`;
    const progressed = await send('wk.progress', [gate]);

    await expect(added.get({ timeoutMs: 20_000 })).resolves.toBe(42);
    await expect(echoed.get({ timeoutMs: 20_000 })).resolves.toEqual({
      args: ['ünï', 1.5],
      kwargs: { k: [1, null, { x: 'y' }] },
    });
    const error = await failed.get({ timeoutMs: 20_000, propagate: false });
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect(error).toMatchObject({
      excType: 'ValueError',
      excModule: 'builtins',
      excMessage: ['bad input'],
      taskId: failed.id,
    });
    const traceback = (error as RemoteTaskError).traceback ?? '';
    expect(traceback).toMatch(/^Traceback \(most recent call last\):/);
    expect(traceback).toMatch(/worker_app\.py", line \d+, in fail/);
    expect(traceback).toMatch(/ValueError: bad input\s*$/);

    const updates: ResultMeta[] = [];
    const value = await progressed.get({
      timeoutMs: 20_000,
      onUpdate: (meta) => {
        updates.push(meta);
        // Let the Python task finish only once PROGRESS was seen here.
        if (meta.status === 'PROGRESS') void redis.set(gate, '1', 'EX', 60);
      },
    });
    expect(value).toBe('finished');
    expect(updates.map((u) => u.status)).toContain('PROGRESS');
    expect(updates.find((u) => u.status === 'PROGRESS')?.result).toEqual({
      step: 1,
      of: 2,
      by: 'python',
    });
    expect(worker.output()).toMatch(/ValueError: bad input/);
    await worker.stop();
  }, 60_000);
});
