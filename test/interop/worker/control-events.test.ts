/**
 * Python Celery 5.2's remote control and monitoring see a celeriac worker: a Python
 * client's tasks (plain, kwargs, countdown, failing, unknown) run on a celeriac worker and
 * the client reads the results, then `inspect ping / registered` answers — on Redis and on
 * RabbitMQ with `rpc://` results; and a Python events receiver (what `celery events` and
 * Flower run) gets worker-online, heartbeats, task events and worker-offline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAmqpTransport, createRpcResultBackend } from '@celeriac/amqp';
import { createClient } from '@celeriac/client';
import { signature } from '@celeriac/protocol';
import { createRedisResultBackend, createRedisTransport } from '@celeriac/redis';
import { waitFor } from '@celeriac/testing';
import { createWorker, implementTask } from '@celeriac/worker';
import { createRecordingLogger } from '../../../packages/worker/src/logger.js';
import type { WorkerOptions } from '@celeriac/worker';
import { jsonLines, runPython, spawnPython } from '../../support/python-celery.js';
import { AMQP_URL, PYTHON_DIR, REDIS_URL, killPythonChildren, shortId } from './support/python.js';
import { deleteRedisKeys } from './support/redis.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const tasks = [
  implementTask('interop.add', async (_ctx, a: number, b: number) => a + b),
  implementTask('interop.fail', async (_ctx, msg: string) => {
    throw new TypeError(msg);
  }),
  implementTask('interop.echo', async (ctx, ...args: unknown[]) => ({ args, kwargs: ctx.kwargs })),
];

/** Run `control_client.py`: one JSON line per call, then one for `inspect`. */
async function controlClient(spec: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  return jsonLines(
    await runPython(['control_client.py', JSON.stringify(spec)], { dir: PYTHON_DIR, env: {} }),
  );
}

/** A celeriac worker named `node` on `queue` that owns its transport and backend. */
function celeriacWorker(
  options: Pick<WorkerOptions, 'transport' | 'backend' | 'hostname'> &
    Partial<WorkerOptions> & { queue: string },
) {
  const { queue, ...rest } = options;
  return createWorker({
    ownTransport: true,
    ownBackend: true,
    queues: [queue],
    logger: createRecordingLogger(),
    tasks,
    ...rest,
  });
}

describe('Python Celery 5.2 inspects a celeriac worker', () => {
  it('Redis: runs a Python client’s tasks; the client reads the results and inspects the worker', async () => {
    const id = shortId();
    const [prefix, queue, node] = [`celeriac-ctl-${id}:`, `ctl.${id}`, `ts-${id}@test`];
    const ids: string[] = [];
    cleanups.push(() => deleteRedisKeys(prefix, ids));
    const worker = celeriacWorker({
      transport: createRedisTransport(REDIS_URL, { globalKeyprefix: prefix }),
      backend: createRedisResultBackend(REDIS_URL),
      queue,
      hostname: node,
    });
    await worker.start();
    cleanups.push(() => worker.stop());
    const lines = await controlClient({
      broker: REDIS_URL,
      backend: REDIS_URL,
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
    ids.push(...lines.flatMap((l) => (typeof l['id'] === 'string' ? [l['id']] : [])));
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
  }, 90_000);

  it('RabbitMQ: runs a Python client’s tasks; the client reads the rpc:// replies and pings the worker', async () => {
    const id = shortId();
    const [queue, node] = [`ctl-${id}`, `ts-${id}@test`];
    const transport = createAmqpTransport(AMQP_URL);
    const worker = celeriacWorker({
      transport,
      backend: createRpcResultBackend('rpc://', { transport }),
      queue,
      hostname: node,
    });
    await worker.start();
    cleanups.push(async () => {
      await transport.deleteQueue(queue).catch(() => undefined);
      await worker.stop();
    });
    const [add, fail, inspect] = await controlClient({
      broker: AMQP_URL,
      backend: 'rpc://',
      calls: [
        { task: 'interop.add', args: [20, 22], options: { queue } },
        { task: 'interop.fail', args: ['bad'], options: { queue } },
      ],
      inspect: [node],
    });
    expect(add).toMatchObject({ state: 'SUCCESS', result: 42 });
    expect(fail).toMatchObject({ state: 'FAILURE', exc_type: 'TypeError', exc_args: ['bad'] });
    expect(inspect).toMatchObject({ ping: { [node]: { ok: 'pong' } } });
  }, 90_000);
});

describe('celery events sees a celeriac worker (Redis)', () => {
  it('receives worker-online, heartbeats, task events and worker-offline', async () => {
    const id = shortId();
    const [prefix, queue, node] = [`celeriac-ev-${id}:`, `events-${id}`, `ts-ev-${id}@test`];
    const ids: string[] = [];
    cleanups.push(() => deleteRedisKeys(prefix, ids));
    const monitor = spawnPython(
      ['events_monitor.py', JSON.stringify({ broker: REDIS_URL, prefix, seconds: 20 })],
      { dir: PYTHON_DIR, env: {} },
    );
    const events = () => jsonLines(monitor.output());
    await monitor.waitFor(/"type": "ready"/, 10_000);
    const transport = createRedisTransport(REDIS_URL, { globalKeyprefix: prefix });
    const worker = celeriacWorker({
      transport,
      backend: createRedisResultBackend(REDIS_URL),
      queue,
      hostname: node,
      events: { heartbeatIntervalMs: 500 },
      tasks: tasks.slice(0, 1),
    });
    const client = createClient({
      transport: createRedisTransport(REDIS_URL, { globalKeyprefix: prefix }),
      ownTransport: true,
    });
    try {
      await worker.start();
      const sent = await client.send(
        signature({ task: 'interop.add', args: [1, 2], options: { queue } }),
      );
      ids.push(sent.id);
      await waitFor(
        () => events().some((e) => e['type'] === 'task-succeeded' && e['uuid'] === sent.id),
        {
          timeoutMs: 10_000,
        },
      );
      await waitFor(() => events().some((e) => e['type'] === 'worker-heartbeat'), {
        timeoutMs: 5_000,
      });
    } finally {
      await client.close();
      await worker.stop();
    }
    await waitFor(() => events().some((e) => e['type'] === 'worker-offline'), { timeoutMs: 5_000 });
    monitor.process.kill('SIGTERM');
    await monitor.exited;
    const mine = events()
      .filter((e) => e['hostname'] === node)
      .map((e) => e['type']);
    expect(mine).toEqual(
      expect.arrayContaining(['worker-online', 'task-received', 'task-started', 'worker-offline']),
    );
    expect(events().find((e) => e['type'] === 'worker-heartbeat')).toMatchObject({ freq: 0.5 });
    expect(events().find((e) => e['type'] === 'task-succeeded')).toMatchObject({ result: '3' });
  }, 60_000);
});
