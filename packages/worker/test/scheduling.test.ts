import { describe, expect, it } from 'vitest';
import { implementTask } from '@celeriac/worker';
import { celeryMessage, Fixture, waitFor } from './support.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

describe('ETA, expiry and revoke', () => {
  it('holds ETA tasks in the timer without blocking executors, then runs them when due', async () => {
    await using fx = new Fixture();
    const ran: string[] = [];
    const worker = fx.worker([implementTask('proj.t', async (ctx) => void ran.push(ctx.taskId))], {
      concurrency: 1,
      prefetchMultiplier: 1,
    });
    await worker.start();
    const later = await fx.send(celeryMessage('proj.t', { eta: iso(fx.clock.now() + 60_000) }));
    // With one executor and prefetch 1, these only run because the ETA task is held
    // aside and bumps the prefetch.
    const now1 = await fx.send(celeryMessage('proj.t'));
    const now2 = await fx.send(celeryMessage('proj.t'));
    await fx.result(now1, 'SUCCESS');
    await fx.result(now2, 'SUCCESS');
    expect(ran).toEqual([now1, now2]);
    const scheduled = worker.inspect.scheduled();
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]).toMatchObject({
      priority: 6,
      request: { id: later, acknowledged: false },
    });
    expect(fx.transports[0]!.prefetches).toContain(2);
    expect(fx.transports[0]!.actionsOf(later)).toEqual([]);
    await fx.clock.advance(60_000);
    await fx.result(later, 'SUCCESS');
    expect(ran).toEqual([now1, now2, later]);
  });

  it('renews the lease of held ETA messages periodically', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([implementTask('proj.t', async () => 1)], {
      leaseRenewIntervalMs: 10_000,
    });
    await worker.start();
    const id = await fx.send(celeryMessage('proj.t', { eta: iso(fx.clock.now() + 35_000) }));
    await waitFor(() => worker.inspect.scheduled().length === 1);
    await fx.clock.advance(35_000);
    await fx.result(id, 'SUCCESS');
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['renew', 'renew', 'renew', 'ack']);
  });

  it('expired on receipt: REVOKED TaskRevokedError("expired"), acked, not run', async () => {
    await using fx = new Fixture();
    let ran = false;
    const worker = fx.worker([implementTask('proj.t', async () => void (ran = true))]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.t', { expires: iso(fx.clock.now() - 1000) }));
    const meta = await fx.result(id, 'REVOKED');
    expect(meta.result).toEqual({
      excType: 'TaskRevokedError',
      excMessage: ['expired'],
      excModule: 'celery.exceptions',
    });
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['ack']);
    expect(ran).toBe(false);
  });

  it('expired while waiting for its ETA: REVOKED when due', async () => {
    await using fx = new Fixture();
    let ran = false;
    const worker = fx.worker([implementTask('proj.t', async () => void (ran = true))]);
    await worker.start();
    const now = fx.clock.now();
    const id = await fx.send(
      celeryMessage('proj.t', { eta: iso(now + 10_000), expires: iso(now + 5_000) }),
    );
    await waitFor(() => worker.inspect.scheduled().length === 1);
    await fx.clock.advance(10_000);
    expect((await fx.result(id, 'REVOKED')).result).toMatchObject({ excMessage: ['expired'] });
    expect(ran).toBe(false);
  });

  it('revoke by id discards a scheduled task and later deliveries of that id', async () => {
    await using fx = new Fixture();
    let runs = 0;
    const worker = fx.worker([implementTask('proj.t', async () => void runs++)]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.t', { eta: iso(fx.clock.now() + 10_000) }));
    await waitFor(() => worker.inspect.scheduled().length === 1);
    worker.revoke(id);
    expect((await fx.result(id, 'REVOKED')).result).toMatchObject({ excMessage: ['revoked'] });
    expect(worker.inspect.scheduled()).toEqual([]);
    expect(worker.inspect.revoked()).toEqual([id]);
    await fx.send(celeryMessage('proj.t', { id }));
    await waitFor(() => fx.transports[0]!.actionsOf(id).length === 2);
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['ack', 'ack']);
    await fx.clock.advance(10_000);
    expect(runs).toBe(0);
  });

  it('revoke with terminate aborts the running task and records REVOKED terminated', async () => {
    await using fx = new Fixture();
    let aborted: unknown;
    const worker = fx.worker([
      implementTask('proj.long', async (ctx) => {
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            resolve();
          }),
        );
        return 'finished anyway';
      }),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.long'));
    await waitFor(() => worker.inspect.active().length === 1);
    expect(worker.inspect.active()[0]).toMatchObject({ id, name: 'proj.long', acknowledged: true });
    worker.revoke(id, { terminate: true });
    const meta = await fx.result(id, 'REVOKED');
    expect(meta.result).toMatchObject({ excType: 'TaskRevokedError', excMessage: ['terminated'] });
    expect((aborted as Error).name).toBe('TaskRevokedError');
    // The executor was replaced; the worker still runs tasks.
    const next = await fx.send(celeryMessage('proj.long'));
    await waitFor(() => worker.inspect.active().some((r) => r.id === next));
  });
});
