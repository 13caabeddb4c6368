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
import { waitFor } from '@celeriac/testing';
import { createRecordingLogger, createWorker, implementTask } from '@celeriac/worker';
import { celeryMessage } from './support.js';

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

describe('celery events sees a celeriac worker (Redis)', () => {
  it('receives worker-online, heartbeats and task events', async () => {
    const suffix = randomBytes(4).toString('hex');
    const prefix = `celeriac-worker-ev-${suffix}:`;
    const queue = `events-${suffix}`;
    const node = `ts-ev-${suffix}@test`;
    const events: Record<string, unknown>[] = [];
    const child = spawn(
      '/usr/bin/python3',
      [`${PYTHON_DIR}events.py`, JSON.stringify({ broker: REDIS, prefix, seconds: 20 })],
      { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
    );
    let buffer = '';
    child.stdout.on('data', (c: Buffer) => {
      buffer += c.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line) events.push(JSON.parse(line) as Record<string, unknown>);
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    await waitFor(() => events.some((e) => e.type === 'ready'), { timeoutMs: 10_000 });
    const transport = createRedisTransport(REDIS, { globalKeyprefix: prefix });
    const backend = createRedisResultBackend(REDIS);
    const worker = createWorker({
      transport,
      backend,
      queues: [queue],
      hostname: node,
      logger: createRecordingLogger(),
      events: { heartbeatIntervalMs: 500 },
      tasks: [implementTask('interop.add', async (_ctx, a: number, b: number) => a + b)],
    });
    try {
      await worker.start();
      const message = celeryMessage('interop.add', { args: [1, 2] });
      await transport.publish(message, { exchange: '', routingKey: queue });
      await waitFor(
        () => events.some((e) => e.type === 'task-succeeded' && e.uuid === message.headers.id),
        { timeoutMs: 10_000 },
      );
      await waitFor(() => events.some((e) => e.type === 'worker-heartbeat'), { timeoutMs: 5_000 });
    } finally {
      await worker.stop();
      await transport.close();
      await backend.close();
    }
    await waitFor(() => events.some((e) => e.type === 'worker-offline'), { timeoutMs: 5_000 });
    child.kill('SIGTERM');
    await exited;
    const mine = events.filter((e) => e.hostname === node).map((e) => e.type);
    expect(mine).toContain('worker-online');
    expect(mine).toContain('task-received');
    expect(mine).toContain('task-started');
    expect(mine).toContain('worker-offline');
    expect(events.find((e) => e.type === 'worker-heartbeat')).toMatchObject({ freq: 0.5 });
    expect(events.find((e) => e.type === 'task-succeeded')).toMatchObject({ result: '3' });
  }, 60_000);
});
