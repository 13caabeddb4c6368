/**
 * What runs in a thread or process unit works as on the async pool — results, errors,
 * retries, `updateState` progress, logs, link callbacks — and units are replaced when
 * spent (max tasks / max memory per child) or lost (a handler's `process.exit`, a SIGKILL
 * from outside: WorkerLostError; acks-late + rejectOnWorkerLost runs it again).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  appModule,
  celeryMessage,
  Fixture,
  pause,
  POOLS,
  scratchFile,
  tasks,
  unitId,
  waitFor,
  type Who,
} from './support.js';

describe.each(POOLS)('units of the %s pool', (pool) => {
  it('results, errors, retries, progress, logs, link callbacks and events', async () => {
    await using fx = new Fixture({ simulated: false });
    const monitor = `celeryev.${randomUUID()}`;
    await fx.producer.declareExchange({ name: 'celeryev', type: 'topic', durable: true });
    await fx.producer.declareQueue({ name: monitor, autoDelete: true });
    await fx.producer.bindQueue({ queue: monitor, exchange: 'celeryev', routingKey: 'task.#' });
    const events: string[] = [];
    await fx.producer.consume(
      [monitor],
      (d) => {
        events.push(d.routingKey);
        void d.ack();
      },
      { prefetch: 0 },
    );
    const worker = fx.worker(tasks, {
      pool,
      appModule,
      concurrency: 2,
      events: { batch: false },
    });
    await worker.start();
    const callbackId = randomUUID();
    const add = await fx.send(
      celeryMessage('pools.add', {
        args: [2, 3],
        embed: {
          callbacks: [
            {
              task: 'pools.add',
              args: [10],
              kwargs: {},
              options: { task_id: callbackId },
              subtask_type: null,
              immutable: false,
            },
          ],
          errbacks: null,
          chain: null,
          chord: null,
        },
      }),
    );
    const fail = await fx.send(celeryMessage('pools.fail'));
    const retry = await fx.send(celeryMessage('pools.retry'));
    const progress = await fx.send(celeryMessage('pools.progress'));
    expect((await fx.result(add, 'SUCCESS')).result).toBe(5);
    expect((await fx.result(callbackId, 'SUCCESS')).result).toBe(15);
    // As on the async pool: the class name and message, rebuilt from the unit's error.
    expect((await fx.result(fail, 'FAILURE')).result).toMatchObject({
      excType: 'RangeError',
      excMessage: ['bad range'],
    });
    expect((await fx.result(fail, 'FAILURE')).traceback).toContain('pool-app.ts');
    expect((await fx.result(progress, 'PROGRESS')).result).toEqual({ step: 1 });
    expect((await fx.result(progress, 'SUCCESS')).result).toBe('done');
    expect((await fx.result(retry, 'SUCCESS')).result).toBe('retried 1');
    expect(
      fx.logged('info').some((l) => l.message === 'progress stored' && l.fields?.id === progress),
    ).toBe(true);
    await waitFor(() => events.includes('task.retried') && events.includes('task.failed'));
    for (const type of ['received', 'started', 'succeeded', 'failed', 'retried']) {
      expect(events).toContain(`task.${type}`);
    }
  });

  it('max tasks per child 1: N tasks run in N distinct units', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool, appModule, concurrency: 1, maxTasksPerChild: 1 });
    await worker.start();
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await fx.send(celeryMessage('pools.whoami'));
      seen.push(unitId(pool, (await fx.result(id, 'SUCCESS', 15_000)).result as Who));
    }
    expect(new Set(seen).size).toBe(3);
  });

  it('max memory per child replaces a unit that grew past it', async () => {
    await using fx = new Fixture({ simulated: false });
    // What one unit uses at rest, measured on a first worker.
    const probe = fx.worker(tasks, { pool, appModule, concurrency: 1 });
    await probe.start();
    const first = await fx.send(celeryMessage('pools.whoami'));
    const rest = (await fx.result(first, 'SUCCESS', 15_000)).result as Who;
    await probe.stop();
    const baseKiB = pool === 'threads' ? rest.heapKiB : rest.rssKiB;
    const worker = fx.worker(tasks, {
      pool,
      appModule,
      concurrency: 1,
      maxMemoryPerChild: baseKiB + 48 * 1024,
    });
    await worker.start();
    const who = async () => {
      const id = await fx.send(celeryMessage('pools.whoami'));
      return unitId(pool, (await fx.result(id, 'SUCCESS', 15_000)).result as Who);
    };
    const before = await who();
    expect(await who()).toBe(before);
    const hoard = await fx.send(celeryMessage('pools.hoard', { args: [96] }));
    expect(unitId(pool, (await fx.result(hoard, 'SUCCESS', 15_000)).result as Who)).toBe(before);
    expect(await who()).not.toBe(before);
    expect(fx.logged('warn').some((l) => /max memory per child/.test(l.message))).toBe(true);
  });

  it('a handler that exits its unit: WorkerLostError, and the pool goes on', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool, appModule, concurrency: 1 });
    await worker.start();
    const id = await fx.send(celeryMessage('pools.exit', { args: [3] }));
    expect((await fx.result(id, 'FAILURE', 15_000)).result).toMatchObject({
      excType: 'WorkerLostError',
      excModule: 'billiard.exceptions',
    });
    const next = await fx.send(celeryMessage('pools.add', { args: [4, 4] }));
    expect((await fx.result(next, 'SUCCESS', 15_000)).result).toBe(8);
  });
});

describe('a unit that cannot load the app', () => {
  it.each(POOLS)('%s: start() rejects with a one-line UnitStartError', async (pool) => {
    await using fx = new Fixture({ simulated: false });
    const missing = new URL('./fixtures/no-such-app.ts', import.meta.url).href;
    const worker = fx.worker(tasks, { pool, appModule: missing, concurrency: 1 });
    const error = (await worker.start().then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ name: 'UnitStartError', code: 'ERR_UNIT_START' });
    expect(error.message).toMatch(new RegExp(`The ${pool} unit could not start: .*no-such-app`));
    expect(error.message).not.toContain('\n');
    expect(worker.state).toBe('crashed');
  });

  it('threads: a Node flag a thread refuses is a one-line UnitStartError too', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, {
      pool: 'threads',
      appModule,
      unitExecArgv: ['--title=refused'],
      concurrency: 1,
    });
    await expect(worker.start()).rejects.toThrow(
      /^The threads unit could not start: .*invalid execArgv flags: --title=refused$/,
    );
  });
});

describe('a process unit killed from outside', () => {
  it('SIGKILL mid-task: WorkerLostError; the next task runs', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool: 'processes', appModule, concurrency: 1 });
    await worker.start();
    const id = await fx.send(celeryMessage('pools.sleep', { args: [30_000] }));
    await waitFor(() => worker.inspect.active()[0]?.worker_pid, { timeoutMs: 15_000 });
    const pid = worker.inspect.active()[0]!.worker_pid!;
    expect(pid).not.toBe(process.pid);
    process.kill(pid, 'SIGKILL');
    const meta = await fx.result(id, 'FAILURE', 15_000);
    expect(meta.result).toMatchObject({ excType: 'WorkerLostError' });
    expect(String((meta.result as { excMessage: unknown[] }).excMessage[0])).toContain('SIGKILL');
    const next = await fx.send(celeryMessage('pools.add', { args: [5, 5] }));
    expect((await fx.result(next, 'SUCCESS', 15_000)).result).toBe(10);
  });

  it('SIGKILL of an idle unit: replaced, the next task runs on a fresh process', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool: 'processes', appModule, concurrency: 1 });
    await worker.start();
    const first = await fx.send(celeryMessage('pools.whoami'));
    const before = ((await fx.result(first, 'SUCCESS', 15_000)).result as Who).pid;
    process.kill(before, 'SIGKILL');
    // Once its exit is seen, the lost unit takes no task; its executor is restarted.
    await pause(200);
    const next = await fx.send(celeryMessage('pools.whoami'));
    const after = ((await fx.result(next, 'SUCCESS', 15_000)).result as Who).pid;
    expect(after).not.toBe(before);
  });

  it('acks late + rejectOnWorkerLost: SIGKILL mid-task requeues it, and it runs again', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool: 'processes', appModule, concurrency: 1 });
    await worker.start();
    const file = scratchFile('first-run');
    const id = await fx.send(celeryMessage('pools.once', { args: [file] }));
    const pid = await waitFor(
      () => {
        try {
          return Number(readFileSync(file, 'utf8')) || undefined;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 15_000 },
    );
    process.kill(pid, 'SIGKILL');
    expect((await fx.result(id, 'SUCCESS', 15_000)).result).toBe('second run');
  });
});
