/**
 * @celeriac/monitor with real workers: the package's own example on memory://, then a
 * Python Celery 5.2 worker (`celery worker -E`) and a celeriac worker (`events: true`) on
 * Redis and on RabbitMQ. Both appear online (Python and celeriac told apart), a task's
 * received/started/succeeded (and a failure with its exception) arrive from each, the
 * queues they consume are watched with their lengths, a warm stop is an `offline` event
 * and a SIGKILLed worker is found `expired` by Celery's heartbeat rule.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '@celeriac/client';
import { createMemoryResultBackend, createMemoryTransport } from '@celeriac/memory';
import { createMonitor, WorkerKind, type Monitor, type StateChange } from '@celeriac/monitor';
import { waitFor } from '@celeriac/testing';
import { createWorker, implementTask } from '@celeriac/worker';
import {
  killPythonChildren,
  rabbitCase,
  recordingLogger,
  redisCase,
  REDIS_URL,
  shortId,
  startCeleriacWorker,
  startPythonWorker,
  type BrokerCase,
} from '../control/support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killPythonChildren();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Wait until `monitor` knows task `id` in `state`. */
async function taskReaches(monitor: Monitor, id: string, state: string): Promise<void> {
  await waitFor(() => monitor.state.task(id)?.state === state, {
    timeoutMs: 15_000,
    description: `task ${id} ${state}`,
  });
}

describe('monitor on memory:// (the package example)', () => {
  it('sees the worker come online, the task through SUCCESS with its history, and the worker go', async () => {
    const url = `memory://monitor-${shortId()}`;
    const transport = createMemoryTransport(url);
    const backend = createMemoryResultBackend(url);
    await using monitor = createMonitor({ transport, logger: recordingLogger() });
    const changes: StateChange[] = [];
    monitor.state.subscribe((c) => changes.push(...c));
    await monitor.start();
    const worker = createWorker({
      transport,
      backend,
      hostname: 'demo@localhost',
      events: true,
      logger: recordingLogger(),
      tasks: [implementTask('demo.add', (_ctx, a: number, b: number) => a + b)],
    });
    await worker.start();
    await using client = createClient({ transport, backend });
    const result = await client.sendTask('demo.add', [2, 3]);
    expect(await result.get({ timeoutMs: 5000 })).toBe(5);
    await taskReaches(monitor, result.id, 'SUCCESS');
    const task = monitor.state.task(result.id)!;
    expect(task).toMatchObject({
      name: 'demo.add',
      args: '(2, 3)',
      result: '5',
      worker: 'demo@localhost',
    });
    expect(task.history.map((t) => t.state)).toEqual(['RECEIVED', 'STARTED', 'SUCCESS']);
    expect(task.runtime).toBeGreaterThanOrEqual(0);
    expect(monitor.state.worker('demo@localhost')).toMatchObject({
      online: true,
      kind: WorkerKind.celeriac,
    });
    expect(monitor.state.counters.runtimeStats('demo.add').count).toBe(1);
    await worker.stop();
    await waitFor(() => monitor.state.worker('demo@localhost')?.online === false, {
      timeoutMs: 5000,
    });
    const workerChanges = changes.flatMap((c) => (c.kind === 'worker' ? [c.change] : []));
    expect(workerChanges[0]).toBe('online');
    expect(workerChanges.at(-1)).toBe('offline');
    await monitor.stop();
    expect(monitor.status).toBe('stopped');
    await transport.close();
  });
});

/** A monitor on `broker` watching a Python and a celeriac worker. */
async function watchFleet(broker: BrokerCase) {
  const id = shortId();
  const py = { queue: `mon-ev-py-${id}`, node: `py-ev-${id}@test` };
  const ts = { queue: `mon-ev-ts-${id}`, node: `ts-ev-${id}@test` };
  cleanups.push(() => broker.cleanup([py.queue, ts.queue]));
  const transport = broker.transport();
  const monitor = createMonitor({ transport, queuePollMs: 300, logger: recordingLogger() });
  cleanups.push(async () => {
    await monitor.stop();
    await transport.close();
  });
  const changes: StateChange[] = [];
  monitor.state.subscribe((c) => changes.push(...c));
  await monitor.start();
  const python = await startPythonWorker(broker, {
    queue: py.queue,
    nodename: py.node,
    events: true,
    heartbeat: 1,
    // Its threads pool sends task events from pool threads over one kombu channel, which
    // is not thread-safe: on Redis a task-succeeded is sometimes never published.
    pool: 'prefork',
  });
  const celeriac = await startCeleriacWorker(broker, {
    queue: ts.queue,
    hostname: ts.node,
    events: { heartbeatIntervalMs: 1000 },
  });
  cleanups.push(async () => {
    await python.kill();
    await celeriac.stop();
  });
  const client = createClient({ transport: broker.transport(), ownTransport: true });
  cleanups.push(() => client.close());
  return { py, ts, python, celeriac, monitor, changes, client };
}

async function expectFleetSeen(broker: BrokerCase): Promise<void> {
  const f = await watchFleet(broker);
  const { monitor } = f;
  await waitFor(() => monitor.state.worker(f.py.node)?.online === true, { timeoutMs: 10_000 });
  await waitFor(() => monitor.state.worker(f.ts.node)?.online === true, { timeoutMs: 10_000 });
  expect(monitor.state.worker(f.py.node)).toMatchObject({ kind: WorkerKind.python, freq: 1 });
  expect(monitor.state.worker(f.ts.node)).toMatchObject({ kind: WorkerKind.celeriac, freq: 1 });

  for (const { queue, node } of [f.py, f.ts]) {
    const added = await f.client.sendTask('mon.add', [1, 2], {}, { queue });
    const failed = await f.client.sendTask('mon.fail', ['boom'], {}, { queue });
    await taskReaches(monitor, added.id, 'SUCCESS');
    await taskReaches(monitor, failed.id, 'FAILURE');
    const task = monitor.state.task(added.id)!;
    expect(task).toMatchObject({ name: 'mon.add', result: '3', worker: node });
    expect(task.history.map((t) => t.state)).toEqual(['RECEIVED', 'STARTED', 'SUCCESS']);
    expect(task.runtime).toBeGreaterThanOrEqual(0);
    // celeriac: TypeError('boom'); Python's threads pool wraps it (ExceptionWithTraceback())
    // and the traceback names it.
    const failure = monitor.state.task(failed.id)!;
    expect(`${failure.exception} ${failure.traceback}`).toMatch(/Error.*boom/);
  }
  // The workers' queues are watched, with their consumers and lengths.
  await waitFor(
    () =>
      monitor.state
        .queues()
        .some((q) => q.name === f.py.queue && q.consumers.includes(f.py.node) && q.length === 0),
    { timeoutMs: 10_000, description: 'the Python worker’s queue watched' },
  );
  expect(monitor.state.counters.totals.succeeded).toBeGreaterThanOrEqual(2);

  // A warm stop says offline; a killed worker expires after 2 × freq (1 s) of silence.
  await f.celeriac.stop();
  await waitFor(() => monitor.state.worker(f.ts.node)?.online === false, { timeoutMs: 5000 });
  await f.python.kill();
  await waitFor(() => monitor.state.worker(f.py.node)?.online === false, { timeoutMs: 6000 });
  const last = (node: string) =>
    f.changes.filter((c) => c.kind === 'worker' && c.worker.hostname === node).at(-1);
  expect(last(f.ts.node)).toMatchObject({ change: 'offline' });
  expect(last(f.py.node)).toMatchObject({ change: 'expired' });
  expect(monitor.receiver.malformed).toBe(0);
  // Stopped, the monitor leaves nothing on the broker: its event queue and reply queue go.
  await monitor.stop();
  if (broker.name === 'Redis') {
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${broker.prefix}*`);
      const bindings = await redis.smembers(`${broker.prefix}_kombu.binding.celeryev`);
      expect(bindings.filter((b) => b.includes(monitor.receiver.queue))).toEqual([]);
      expect(
        keys.filter((k) => k.includes(monitor.receiver.queue) || k.includes(monitor.control.oid)),
      ).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }
}

describe.each([
  ['Redis', redisCase],
  ['RabbitMQ', rabbitCase],
] as const)(
  'monitor → a Python worker (-E) and a celeriac worker (events) on %s',
  (_n, makeCase) => {
    it('workers online, task events from both, queues watched, offline and expired detected', async () => {
      await expectFleetSeen(makeCase());
    }, 90_000);
  },
);
