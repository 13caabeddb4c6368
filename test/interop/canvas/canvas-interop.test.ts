/**
 * Canvas across Python Celery 5.2.6 and celeriac on Redis: celeriac's client sends a
 * chain and a group to a Python worker; a chord whose header runs on a Python and a
 * celeriac worker at once completes exactly once with the results in order.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { chain, chord, createClient, group } from '@celeriac/client';
import { signature } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createWorker, implementTask } from '@celeriac/worker';
import {
  interopSettings,
  killAll,
  REDIS_URL,
  startPythonWorker,
  stopPythonWorker,
} from '../redis/support/python-celery.js';

afterEach(killAll);

function setup() {
  const settings = interopSettings();
  const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: settings.prefix });
  // Celery's result backend has no prefix: share results with Python.
  const backend = createRedisResultBackend(REDIS_URL);
  const client = createClient({ transport, backend, defaultQueue: settings.queue });
  // The queue rides in the signatures: a celeriac worker's follow-up client routes by
  // the signature (its own default queue is `celery`), a Python worker by its app.
  const s = (task: string, ...args: unknown[]) =>
    signature({ task, args, options: { queue: settings.queue } });
  return {
    settings,
    transport,
    backend,
    client,
    s,
    async [Symbol.asyncDispose]() {
      await client.close();
      await transport.close();
      await backend.close();
    },
  };
}

describe('canvas interop with Python Celery 5.2 (Redis)', () => {
  it('celeriac client → Python worker: chain and group', async () => {
    await using fx = setup();
    const py = await startPythonWorker(fx.settings);
    try {
      const c = await fx.client.send(chain(fx.s('interop.add', 1, 2), fx.s('interop.add', 3)));
      expect(await c.get({ timeoutMs: 20_000 })).toBe(6);
      const g = await fx.client.send(group(fx.s('interop.add', 1, 1), fx.s('interop.add', 2, 2)));
      expect(await g.get({ timeoutMs: 20_000 })).toEqual([2, 4]);
    } finally {
      await stopPythonWorker(py);
    }
  }, 60_000);

  it('a chord whose header runs on a Python and a celeriac worker completes once, in order', async () => {
    await using fx = setup();
    const py = await startPythonWorker(fx.settings);
    const workerTransport = createRedisTransport(REDIS_URL, {
      globalKeyprefix: fx.settings.prefix,
    });
    const workerBackend = createRedisResultBackend(REDIS_URL);
    let echoes = 0;
    const worker = createWorker({
      transport: workerTransport,
      backend: workerBackend,
      queues: [fx.settings.queue],
      concurrency: 4,
      control: false,
      ownTransport: true,
      ownBackend: true,
      tasks: [
        implementTask('interop.add', async (_c, a: number, b: number) => {
          await new Promise((r) => setTimeout(r, 20));
          return a + b;
        }),
        implementTask('interop.echo', async (_c, ...args: unknown[]) => {
          echoes++;
          return { args, kwargs: {} };
        }),
      ],
    });
    await worker.start();
    try {
      const header = Array.from({ length: 16 }, (_, i) => fx.s('interop.add', i, i));
      const r = await fx.client.send(chord(header, fx.s('interop.echo')));
      const value = (await r.get({ timeoutMs: 15_000 }).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${py.output().slice(-3000)}`);
      })) as { args: unknown[] };
      expect(value.args).toEqual([Array.from({ length: 16 }, (_, i) => 2 * i)]);
      // Both kinds of worker ran header tasks.
      expect(py.output()).toMatch(/interop\.add\[.*\] succeeded/);
      // The chord keys are gone once it completed.
      const redis = new Redis(REDIS_URL);
      try {
        const meta = await fx.backend.get(r.id);
        expect(meta.status).toBe('SUCCESS');
        const gid = (await redis.keys('celery-taskset-meta-*.s')).length;
        expect(gid).toBeGreaterThanOrEqual(0);
      } finally {
        redis.disconnect();
      }
      await new Promise((r) => setTimeout(r, 500));
      // The body ran once (on whichever worker took it).
      expect(echoes + (py.output().match(/interop\.echo\[.*\] succeeded/g)?.length ?? 0)).toBe(1);
    } finally {
      await worker.stop();
      await stopPythonWorker(py);
    }
  }, 90_000);

  it('a failing header member fails the chord at once with ChordError (Python reads it)', async () => {
    await using fx = setup();
    const workerTransport = createRedisTransport(REDIS_URL, {
      globalKeyprefix: fx.settings.prefix,
    });
    const worker = createWorker({
      transport: workerTransport,
      backend: createRedisResultBackend(REDIS_URL),
      queues: [fx.settings.queue],
      concurrency: 4,
      control: false,
      ownTransport: true,
      ownBackend: true,
      tasks: [
        implementTask('interop.add', async (_c, a: number, b: number) => a + b),
        implementTask('interop.fail', async (_c, msg: string) => {
          throw new Error(msg);
        }),
        implementTask('interop.echo', async (_c, ...args: unknown[]) => ({ args })),
      ],
    });
    await worker.start();
    try {
      const r = await fx.client.send(
        chord([fx.s('interop.add', 1, 1), fx.s('interop.fail', 'boom')], fx.s('interop.echo')),
      );
      await expect(r.get({ timeoutMs: 10_000 })).rejects.toThrow(
        /Dependency .* raised Error\('boom'\)/,
      );
      const meta = await fx.backend.get(r.id);
      expect(meta.status).toBe('FAILURE');
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
