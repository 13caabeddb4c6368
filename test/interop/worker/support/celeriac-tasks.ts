/**
 * The celeriac side of the worker-level interop tests: task contracts named like the
 * Python app's tasks (`python/worker_app.py`), registered on a celeriac app, so either
 * implementation can run any message either client sends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Redis } from 'ioredis';
import { defineTask } from 'celeriac';
import type { App } from 'celeriac';

export const echo = defineTask('wk.echo', {
  args: z.array(z.unknown()),
  result: z.object({ args: z.array(z.unknown()), kwargs: z.record(z.string(), z.unknown()) }),
});
export const add = defineTask('wk.add', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
});
/** Returns when it ran (ms since the epoch): countdowns are checked against it. */
export const ranAt = defineTask('wk.ran_at', { args: z.tuple([]), result: z.number() });
/** Retries once (`ctx.retry`), then returns the retry count it ran with. */
export const retryOnce = defineTask('wk.retry_once', {
  args: z.tuple([z.string()]),
  result: z.object({ tag: z.string(), retries: z.number() }),
  options: { maxRetries: 3 },
});
export const decline = defineTask('wk.decline', { args: z.tuple([z.string()]) });
export const progress = defineTask('wk.progress', {
  args: z.tuple([z.string()]),
  result: z.string(),
});
export const record = defineTask('wk.record', {
  args: z.tuple([z.number(), z.string()]),
  result: z.number(),
});

/** A TypeScript error Python does not know: it arrives as a synthesized exception class. */
export class PaymentDeclined extends Error {
  override readonly name = 'PaymentDeclined';
}

/** Wait until `key` exists on `redis` (a gate the test or the Python client opens). */
export async function waitForKey(redis: Redis, key: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await redis.exists(key)) === 0) {
    if (Date.now() > deadline) throw new Error(`gate ${key} never opened`);
    await sleep(20);
  }
}

/** Register every celeriac implementation on `app`; `redis` is where tasks record. */
export function registerTasks(app: App, redis: Redis): void {
  app.task(echo, (ctx, ...args) => ({ args, kwargs: { ...ctx.kwargs } }));
  app.task(add, (_ctx, a, b) => a + b);
  app.task(ranAt, () => Date.now());
  app.task(retryOnce, (ctx, tag) => {
    if (ctx.retries < 1) ctx.retry({ countdown: 1, exc: new Error(`first try of ${tag}`) });
    return { tag, retries: ctx.retries };
  });
  app.task(decline, (_ctx, card) => {
    throw new PaymentDeclined(`card ${card} declined`);
  });
  app.task(progress, async (ctx, gate) => {
    await ctx.updateState('PROGRESS', { step: 1, of: 2, by: 'celeriac' });
    await waitForKey(redis, gate);
    return 'finished';
  });
  app.task(record, async (_ctx, n, key) => {
    await sleep(10);
    await redis.multi().hincrby(key, String(n), 1).hset(`${key}:who`, String(n), 'celeriac').exec();
    return n;
  });
}
