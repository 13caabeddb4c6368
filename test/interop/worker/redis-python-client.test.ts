/**
 * Issue 4/5 on Redis: a Python Celery 5.2.6 client's tasks run on a celeriac worker
 * (`createApp` + `app.worker`), and the Python client reads every result with
 * `AsyncResult.get()`: args and kwargs, countdown, expires (future → SUCCESS, past →
 * REVOKED / TaskRevokedError), a retry through `ctx.retry`, a TypeScript error's type and
 * message, and a custom PROGRESS state seen mid-task.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from 'celeriac';
import { registerTasks } from './support/celeriac-tasks.js';
import { REDIS_URL, killPythonChildren, runPythonClient } from './support/python.js';
import { deleteRedisKeys, redisNames } from './support/redis.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('a Python Celery 5.2 client → a celeriac worker (Redis)', () => {
  it('reads every result: args/kwargs, countdown, expires, retry, failure, PROGRESS', async () => {
    const { prefix, queue } = redisNames();
    const redis = new Redis(REDIS_URL);
    const app = createApp({ broker: REDIS_URL, redis: { globalKeyprefix: prefix } });
    const ids: string[] = [];
    cleanups.push(async () => {
      await app.close();
      redis.disconnect();
      await deleteRedisKeys(prefix, ids);
    });
    registerTasks(app, redis);
    const worker = await app.worker({
      queues: [queue],
      hostname: `ts-${queue}@interop`,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      resultExtended: true,
    });
    await worker.start();

    const gate = `${prefix}gate:progress`;
    const sentAt = Date.now();
    const { ids: sent, outcomes } = await runPythonClient(
      { broker: REDIS_URL, backend: REDIS_URL, prefix, queue },
      [
        { task: 'wk.echo', args: [1, 'ünï', [2.5, null]], kwargs: { k: { nested: [true] } } },
        { task: 'wk.ran_at', options: { countdown: 2 } },
        { task: 'wk.add', args: [2, 3], expires_in: 60 },
        { task: 'wk.add', args: [4, 5], expires_in: -5 },
        { task: 'wk.retry_once', args: ['r1'] },
        { task: 'wk.decline', args: ['4242'] },
        { task: 'wk.progress', args: [gate], mode: 'progress', gate },
      ],
      25,
    );
    ids.push(...sent);
    const [echoed, counted, fresh, expired, retried, declined, progressed] = outcomes;

    expect(echoed).toMatchObject({
      state: 'SUCCESS',
      result: { args: [1, 'ünï', [2.5, null]], kwargs: { k: { nested: [true] } } },
    });
    expect(counted?.state).toBe('SUCCESS');
    expect(counted?.result as number).toBeGreaterThanOrEqual(sentAt + 2_000 - 50);
    expect(fresh).toMatchObject({ state: 'SUCCESS', result: 5 });
    expect(expired).toMatchObject({
      state: 'REVOKED',
      exc_type: 'TaskRevokedError',
      exc_module: 'celery.exceptions',
      exc_args: ['expired'],
    });
    // The handler saw retries = 1 on its second run; the stored (extended) result says so too.
    expect(retried).toMatchObject({ state: 'SUCCESS', result: { tag: 'r1', retries: 1 } });
    expect(retried?.retries).toBe(1);
    expect(declined).toMatchObject({
      state: 'FAILURE',
      exc_type: 'PaymentDeclined',
      exc_args: ['card 4242 declined'],
    });
    expect(declined?.traceback).toMatch(/PaymentDeclined: card 4242 declined/);
    expect(progressed).toMatchObject({
      observed: { state: 'PROGRESS', info: { step: 1, of: 2, by: 'celeriac' } },
      state: 'SUCCESS',
      result: 'finished',
    });
    await worker.stop();
  }, 60_000);
});
