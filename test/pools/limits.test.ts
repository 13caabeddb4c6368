/**
 * Limits that really stop work, on the threads and processes pools (memory broker): a
 * hard time limit ends a synchronous CPU-bound handler within limit + 1 s and its work
 * after the loop never happens; the soft limit is catchable; revoke with terminate ends
 * the unit; a cold shutdown ends within 1 s whatever the handler does; `timelimit [0, 0]`
 * (Python's `time_limit=0`) means no limit.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  appModule,
  celeryMessage,
  Fixture,
  pause,
  POOLS,
  scratchFile,
  tasks,
  waitFor,
} from './support.js';

describe.each(POOLS)('limits on the %s pool', (pool) => {
  it('hard time limit: FAILURE TimeLimitExceeded within limit + 1 s, no work after it, next task runs', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool, appModule, concurrency: 1 });
    await worker.start();
    const file = scratchFile('after-loop');
    const sent = Date.now();
    const id = await fx.send(
      celeryMessage('pools.busy', { args: [3000, file], timelimit: [0.5, null] }),
    );
    const meta = await fx.result(id, 'FAILURE');
    expect(Date.now() - sent).toBeLessThan(1500);
    expect(meta.result).toEqual({
      excType: 'TimeLimitExceeded',
      excMessage: [0.5],
      excModule: 'billiard.exceptions',
    });
    const next = await fx.send(celeryMessage('pools.add', { args: [1, 1] }));
    expect((await fx.result(next, 'SUCCESS', 15_000)).result).toBe(2);
    // The loop would have ended 3 s after it started, then written the file.
    await pause(Math.max(0, sent + 3500 - Date.now()));
    expect(existsSync(file)).toBe(false);
  });

  it('soft time limit: SoftTimeLimitExceeded is caught in the handler', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool, appModule, concurrency: 1 });
    await worker.start();
    const id = await fx.send(
      celeryMessage('pools.soft', { args: [10_000], timelimit: [null, 0.3] }),
    );
    expect((await fx.result(id, 'SUCCESS')).result).toBe('caught SoftTimeLimitExceeded');
  });

  it('timelimit [0, 0] (time_limit=0) runs without a limit', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool, appModule, concurrency: 1 });
    await worker.start();
    const id = await fx.send(celeryMessage('pools.busy', { args: [300], timelimit: [0, 0] }));
    expect((await fx.result(id, 'SUCCESS')).result).toBe(300);
  });

  it('revoke(terminate=True) ends the unit: REVOKED, no work after it, next task runs', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool, appModule, concurrency: 1 });
    await worker.start();
    const file = scratchFile('after-loop');
    const id = await fx.send(celeryMessage('pools.busy', { args: [2500, file] }));
    await waitFor(() => worker.inspect.active().length === 1);
    const asked = Date.now();
    worker.revoke(id, { terminate: true });
    const meta = await fx.result(id, 'REVOKED');
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(meta.result).toMatchObject({ excType: 'TaskRevokedError', excMessage: ['terminated'] });
    const next = await fx.send(celeryMessage('pools.add', { args: [2, 2] }));
    expect((await fx.result(next, 'SUCCESS', 15_000)).result).toBe(4);
    await pause(Math.max(0, asked + 3000 - Date.now()));
    expect(existsSync(file)).toBe(false);
  });

  it('revoke(terminate=True) with signal KILL (Celery names it so) ends the unit too', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool, appModule, concurrency: 1 });
    await worker.start();
    const id = await fx.send(celeryMessage('pools.sleep', { args: [30_000] }));
    await waitFor(() => worker.inspect.active().length === 1);
    worker.revoke(id, { terminate: true, signal: 'KILL' });
    expect((await fx.result(id, 'REVOKED')).result).toMatchObject({
      excType: 'TaskRevokedError',
    });
    const next = await fx.send(celeryMessage('pools.add', { args: [3, 3] }));
    expect((await fx.result(next, 'SUCCESS', 15_000)).result).toBe(6);
  });

  it('cold shutdown ends within 1 s whatever the handlers do: WorkerLostError, acks-late requeued', async () => {
    await using fx = new Fixture({ simulated: false });
    const worker = fx.worker(tasks, { pool, appModule, concurrency: 3 });
    await worker.start();
    const file = scratchFile('after-loop');
    const marker = scratchFile('first-run');
    const sleeping = await fx.send(celeryMessage('pools.sleep', { args: [30_000] }));
    const looping = await fx.send(celeryMessage('pools.busy', { args: [30_000, file] }));
    const late = await fx.send(celeryMessage('pools.once', { args: [marker] }));
    await waitFor(() => worker.inspect.active().length === 3 && existsSync(marker), {
      timeoutMs: 15_000,
    });
    const asked = Date.now();
    await worker.stop({ mode: 'cold' });
    expect(Date.now() - asked).toBeLessThan(1000);
    for (const id of [sleeping, looping]) {
      expect((await fx.result(id, 'FAILURE')).result).toMatchObject({
        excType: 'WorkerLostError',
        excModule: 'billiard.exceptions',
      });
    }
    expect(existsSync(file)).toBe(false);
    // The acks-late task went back to its queue: the next worker runs it.
    expect((await fx.results.get(late)).status).toBe('PENDING');
    await fx.worker(tasks, { pool, appModule, concurrency: 1 }).start();
    expect((await fx.result(late, 'SUCCESS', 15_000)).result).toBe('second run');
  });
});
