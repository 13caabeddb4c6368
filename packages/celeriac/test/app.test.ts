import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClosedError } from '@celeriac/protocol';
import { RemoteTaskError, createApp, defineTask, isApp } from 'celeriac';
import type { App } from 'celeriac';

const add = defineTask('app_test.add', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
});
const boom = defineTask('app_test.boom', { args: z.tuple([]), result: z.null() });

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function newApp(broker = `memory://app-test-${randomUUID()}`): App {
  const app = createApp({ broker });
  apps.push(app);
  return app;
}

describe('createApp', () => {
  it('defaults to the embedded broker and store', () => {
    const app = newApp();
    expect(app.brokerUrl).toMatch(/^memory:\/\//);
    expect(app.backendUrl).toBe(app.brokerUrl);
    expect(isApp(app)).toBe(true);
    expect(isApp({})).toBe(false);
  });

  it('runs a typed task end to end and rethrows remote failures', async () => {
    const app = newApp();
    const addTask = app.task(add, (_ctx, a, b) => a + b);
    const boomTask = app.task(boom, () => {
      throw new RangeError('out of range');
    });
    expect(app.tasks.map((t) => t.name)).toEqual(['app_test.add', 'app_test.boom']);
    const worker = await app.worker({ concurrency: 2, logger: silent });
    await worker.start();
    expect(await (await addTask.delay(20, 22)).get({ timeoutMs: 5_000 })).toBe(42);
    const failure = (await boomTask.delay()).get({ timeoutMs: 5_000 });
    await expect(failure).rejects.toBeInstanceOf(RemoteTaskError);
    await expect(failure).rejects.toMatchObject({ excType: 'RangeError' });
    await worker.stop();
  });

  it('sends by name to a worker of another app on the same broker', async () => {
    const broker = `memory://app-test-${randomUUID()}`;
    const producer = newApp(broker);
    const consumer = newApp(broker);
    consumer.task(add, (_ctx, a, b) => a * 10 + b);
    const worker = await consumer.worker({ logger: silent });
    await worker.start();
    const result = await producer.sendTask<number>('app_test.add', [4, 2]);
    expect(await result.get({ timeoutMs: 5_000 })).toBe(42);
    await worker.stop();
  });

  it('refuses new work once closed, and closing twice is harmless', async () => {
    const app = newApp();
    await app.close();
    await app.close();
    expect(() => app.task(add, (_c, a, b) => a + b)).toThrow(ClosedError);
    await expect(app.client()).rejects.toBeInstanceOf(ClosedError);
  });
});

const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
