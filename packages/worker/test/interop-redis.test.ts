/**
 * Against real Python Celery 5.2 on real Redis: a Python client's tasks (plain, failing,
 * countdown, unknown) run on a celeriac worker, the Python client reads the results, and
 * `celery inspect ping|registered` sees the worker.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { createRecordingLogger, createWorker, implementTask } from '@celeriac/worker';

const REDIS = process.env.CELERIAC_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const PYTHON_DIR = fileURLToPath(new URL('./python/', import.meta.url));

function python(spec: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [`${PYTHON_DIR}client.py`, JSON.stringify(spec)], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`client.py exited ${code}: ${err}`));
      else
        resolve(
          out
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        );
    });
  });
}

describe('interop with Python Celery 5.2 over Redis', () => {
  it('runs a Python client’s tasks; the client reads results and inspects the worker', async () => {
    const suffix = randomBytes(4).toString('hex');
    const prefix = `celeriac-worker-${suffix}:`;
    const queue = `interop-${suffix}`;
    const node = `ts-${suffix}@test`;
    const transport = createRedisTransport(REDIS, { globalKeyprefix: prefix });
    const backend = createRedisResultBackend(REDIS);
    const logger = createRecordingLogger();
    const worker = createWorker({
      transport,
      backend,
      queues: [queue],
      hostname: node,
      logger,
      tasks: [
        implementTask('interop.add', async (_ctx, a: number, b: number) => a + b),
        implementTask('interop.fail', async (_ctx, msg: string) => {
          throw new TypeError(msg);
        }),
        implementTask('interop.echo', async (ctx, ...args: unknown[]) => ({
          args,
          kwargs: ctx.kwargs,
        })),
      ],
    });
    await worker.start();
    try {
      const lines = await python({
        broker: REDIS,
        backend: REDIS,
        prefix,
        calls: [
          { task: 'interop.add', args: [2, 3], options: { queue } },
          {
            task: 'interop.echo',
            args: [1, 'two'],
            kwargs: { k: [3] },
            options: { queue, countdown: 1 },
          },
          { task: 'interop.fail', args: ['boom'], options: { queue } },
          { task: 'interop.nosuch', args: [], options: { queue } },
        ],
        inspect: [node],
      });
      const [add, echo, fail, nosuch, inspect] = lines;
      expect(add).toMatchObject({ state: 'SUCCESS', result: 5 });
      expect(echo).toMatchObject({
        state: 'SUCCESS',
        result: { args: [1, 'two'], kwargs: { k: [3] } },
      });
      expect(fail).toMatchObject({ state: 'FAILURE', exc_type: 'TypeError', exc_args: ['boom'] });
      expect(nosuch).toMatchObject({
        state: 'FAILURE',
        exc_type: 'NotRegistered',
        exc_args: ['interop.nosuch'],
      });
      expect(inspect).toEqual({
        ping: { [node]: { ok: 'pong' } },
        registered: { [node]: ['interop.add', 'interop.echo', 'interop.fail'] },
      });
    } finally {
      await worker.stop();
      await transport.close();
      await backend.close();
    }
  }, 90_000);
});
