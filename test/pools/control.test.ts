/**
 * Pool control as Celery 5.2's worker answers it (`celery/worker/control.py`):
 * `pool_grow` / `pool_shrink` change the number of units (and the prefetch), `autoscale`
 * moves the autoscaler's range, the autoscaler grows with waiting tasks and shrinks when
 * idle, `add_consumer` / `cancel_consumer` change the queues consumed; `inspect stats`
 * shows the pool as prefork does. Memory broker, the client's control API.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '@celeriac/memory';
import { createControl, type Control } from '@celeriac/client';
import type { Worker } from '@celeriac/worker';
import { appModule, celeryMessage, Fixture, pause, tasks, waitFor } from './support.js';

interface PoolStats {
  'max-concurrency': number;
  processes: number[];
  'max-tasks-per-child': number | string;
  'put-guarded-by-semaphore': boolean;
  timeouts: [number, number];
  writes: { total: number; raw: string; strategy: string };
}

async function stats(control: Control, worker: Worker) {
  const replies = await control.inspect({ destination: [worker.hostname] }).stats();
  return replies[worker.hostname] as unknown as {
    pool: PoolStats;
    prefetch_count: number;
    autoscaler?: Record<string, number>;
  };
}

function controlOf(fx: Fixture): Control {
  return createControl({
    transport: new MemoryTransport({ broker: fx.broker }),
    ownTransport: true,
  });
}

describe('pool control', () => {
  it('pool_grow and pool_shrink change the threads of a threads pool; stats show them', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, {
      pool: 'threads',
      appModule,
      concurrency: 1,
      control: { allowUnsigned: true },
      taskDefaults: { timeLimit: 60, softTimeLimit: 50 },
    });
    await worker.start();
    await using control = controlOf(fx);
    const at = [worker.hostname];
    const before = await stats(control, worker);
    expect(before.pool).toMatchObject({
      'max-concurrency': 1,
      'max-tasks-per-child': 'N/A',
      'put-guarded-by-semaphore': false,
      timeouts: [50, 60],
    });
    expect(before.pool.processes).toHaveLength(1);
    expect(before.prefetch_count).toBe(4);

    expect(await control.poolGrow(2, { destination: at, reply: true })).toEqual({
      [worker.hostname]: { ok: 'pool will grow' },
    });
    const grown = await waitFor(
      async () => {
        const s = await stats(control, worker);
        return s.pool.processes.length === 3 ? s : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(new Set(grown.pool.processes).size).toBe(3);
    expect(grown.pool['max-concurrency']).toBe(3);
    expect(grown.prefetch_count).toBe(12);
    // Three tasks now run at once.
    const ids = await Promise.all(
      [0, 1, 2].map(() => fx.send(celeryMessage('pools.sleep', { args: [800] }))),
    );
    await waitFor(() => worker.inspect.active().length === 3, { timeoutMs: 5_000 });
    for (const id of ids) await fx.result(id, 'SUCCESS');
    expect((await stats(control, worker)).pool.writes).toMatchObject({ total: 3, raw: '1, 1, 1' });

    expect(await control.poolShrink(2, { destination: at, reply: true })).toEqual({
      [worker.hostname]: { ok: 'pool will shrink' },
    });
    await waitFor(async () => (await stats(control, worker)).pool.processes.length === 1);
    expect((await stats(control, worker)).prefetch_count).toBe(4);
    expect(await control.autoscale(3, 1, { destination: at, reply: true })).toEqual({
      [worker.hostname]: { error: "ValueError('Autoscale not enabled')" },
    });
  });

  it('the autoscaler grows with waiting tasks, shrinks when idle; autoscale moves its range', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, {
      concurrency: 1,
      autoscale: { max: 3, min: 1, keepaliveMs: 300 },
      control: { allowUnsigned: true },
    });
    await worker.start();
    await using control = controlOf(fx);
    const at = [worker.hostname];
    expect((await stats(control, worker)).autoscaler).toEqual({
      max: 3,
      min: 1,
      current: 1,
      qty: 0,
    });
    const ids = await Promise.all(
      [0, 1, 2, 3].map(() => fx.send(celeryMessage('pools.sleep', { args: [1500] }))),
    );
    await waitFor(() => worker.inspect.active().length === 3, { timeoutMs: 5_000 });
    expect((await stats(control, worker)).autoscaler).toMatchObject({ current: 3, max: 3 });
    for (const id of ids) await fx.result(id, 'SUCCESS');
    await waitFor(async () => (await stats(control, worker)).autoscaler?.current === 1, {
      timeoutMs: 5_000,
    });
    expect(await control.poolGrow(1, { destination: at, reply: true })).toEqual({
      [worker.hostname]: {
        error: 'pool_grow is not supported with autoscale. Adjust autoscale range instead.',
      },
    });
    expect(await control.autoscale(4, 2, { destination: at, reply: true })).toEqual({
      [worker.hostname]: { ok: 'autoscale now max=4 min=2' },
    });
    const s = await stats(control, worker);
    expect(s.autoscaler).toMatchObject({ max: 4, min: 2, current: 2 });
    expect(s.pool['max-concurrency']).toBe(4);
    expect(s.prefetch_count).toBe(16);
  });

  it('add_consumer and cancel_consumer change the queues a worker takes tasks from', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { control: { allowUnsigned: true } });
    await worker.start();
    await using control = controlOf(fx);
    const at = [worker.hostname];
    const extra = `extra-${randomUUID().slice(0, 8)}`;
    expect(await control.addConsumer(extra, { destination: at, reply: true })).toEqual({
      [worker.hostname]: { ok: `add consumer ${extra}` },
    });
    const queues = await control.inspect({ destination: at }).activeQueues();
    expect((queues[worker.hostname] as { name: string }[]).map((q) => q.name)).toContain(extra);
    const ran = await fx.send(celeryMessage('pools.add', { args: [20, 22] }), extra);
    expect((await fx.result(ran, 'SUCCESS')).result).toBe(42);

    expect(await control.cancelConsumer(extra, { destination: at, reply: true })).toEqual({
      [worker.hostname]: { ok: `no longer consuming from ${extra}` },
    });
    const waiting = await fx.send(celeryMessage('pools.add', { args: [1, 2] }), extra);
    await pause(1000);
    expect((await fx.results.get(waiting)).status).toBe('PENDING');
  });
});
