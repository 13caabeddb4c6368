/**
 * A canvas test app on memory:// or a real broker: `createApp` with a per-test queue
 * (and, on Redis, a per-test `globalKeyprefix` for the broker and `keyPrefix` for the
 * result backend), the canvas tasks implemented, a celeriac worker on the queue and the
 * app's client. Disposing stops the worker, closes the app and deletes the queue and
 * every Redis key under the prefix: results, groups and chord counters included.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { deleteRedisKeys } from '../support/redis-keys.js';
import { chain, createApp, createTransport, defineTask, RemoteTaskError, type App } from 'celeriac';

export const REDIS_URL = process.env['CELERIAC_TEST_REDIS'] ?? 'redis://127.0.0.1:6379/0';
export const AMQP_URL = process.env['CELERIAC_TEST_AMQP'] ?? 'amqp://guest:guest@127.0.0.1:5672//';

/** The brokers the canvas runs on: Redis alone, RabbitMQ with results in Redis. */
export const BROKERS = [
  { name: 'memory', broker: 'memory://', backend: 'memory://' },
  { name: 'Redis', broker: REDIS_URL, backend: REDIS_URL },
  { name: 'RabbitMQ + Redis results', broker: AMQP_URL, backend: REDIS_URL },
] as const;

export const add = defineTask('canvas.add', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
});
export const tsum = defineTask('canvas.tsum', {
  args: z.tuple([z.array(z.number())]),
  result: z.number(),
});
/** Always fails with `Boom(<its argument>)`. */
export const fail = defineTask('canvas.fail', {
  args: z.tuple([z.unknown()]),
  result: z.number(),
});

/** Replaces itself (`ctx.replace`) with `chain(add(n, 1), add(10))`: n + 11. */
export const replaced = defineTask('canvas.replaced', {
  args: z.tuple([z.number()]),
  result: z.number(),
});

class Boom extends Error {
  override name = 'Boom';
}

/** Build the app, start a worker; `await using` the result. */
export async function canvasApp(broker: string, backend: string) {
  const suffix = randomUUID().slice(0, 8);
  const queue = `canvas-${suffix}`;
  const prefix = `canvas-${suffix}:`;
  const connection = {
    redis: { globalKeyprefix: prefix },
    redisBackend: { keyPrefix: prefix },
  };
  const app: App = createApp({ broker, backend, defaultQueue: queue, ...connection });
  app.task(add, async (_ctx, a, b) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return a + b;
  });
  app.task(tsum, (_ctx, xs) => xs.reduce((s, x) => s + x, 0));
  app.task(fail, (_ctx, value) => {
    throw new Boom(`boom ${JSON.stringify(value)}`);
  });
  app.task(replaced, async (ctx, n) => {
    const producer = (await app.client()).task(add);
    return ctx.replace(chain(producer.si(n, 1), producer.s(10)));
  });
  const worker = await app.worker({ queues: [queue], concurrency: 8, control: false });
  await worker.start();
  const client = await app.client();
  return {
    queue,
    client,
    add: client.task(add),
    tsum: client.task(tsum),
    fail: client.task(fail),
    replaced: client.task(replaced),
    async [Symbol.asyncDispose]() {
      await worker.stop();
      await app.close();
      const transport = await createTransport(broker, connection);
      await transport.connect();
      await transport.deleteQueue(queue).catch(() => {});
      await transport.close();
      // On Redis, the binding sets too (a new connection does not know them), and the
      // results wherever the broker is.
      for (const url of new Set([broker, backend])) {
        if (url.startsWith('redis')) await deleteRedisKeys(prefix, [], url);
      }
    },
  };
}

/** The error `promise` rejects with, which must be a RemoteTaskError. */
export async function remoteError(promise: Promise<unknown>): Promise<RemoteTaskError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RemoteTaskError) return error;
    throw error;
  }
  throw new Error('expected the canvas to fail');
}
