import { describe, expect, it } from 'vitest';
import { implementTask, WorkerState } from '@celeriac/worker';
import { celeryMessage, Fixture, waitFor } from './support.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('shutdown', () => {
  it('warm: finishes running tasks, hands unstarted and ETA messages back for another worker', async () => {
    await using fx = new Fixture();
    const g = gate();
    const ranBy: Record<string, string> = {};
    const task = implementTask('proj.t', async (ctx, wait: boolean) => {
      if (wait) await g.opened;
      ranBy[ctx.taskId] = ctx.hostname;
      return 'ok';
    });
    const a = fx.worker([task], { concurrency: 1 });
    await a.start();
    const running = await fx.send(celeryMessage('proj.t', { args: [true] }));
    const queued = [
      await fx.send(celeryMessage('proj.t', { args: [false] })),
      await fx.send(celeryMessage('proj.t', { args: [false] })),
    ];
    const eta = await fx.send(
      celeryMessage('proj.t', { args: [false], eta: iso(fx.clock.now() + 5_000) }),
    );
    await waitFor(() => a.inspect.reserved().length === 2 && a.inspect.scheduled().length === 1);
    const stopping = a.stop({ mode: 'warm' });
    expect(a.state).toBe(WorkerState.stopping);
    await waitFor(async () => (await fx.producer.queueLength(fx.queue)) === 3);
    expect(a.inspect.active().map((r) => r.id)).toEqual([running]);
    g.open();
    await stopping;
    expect(a.state).toBe(WorkerState.stopped);
    expect(ranBy[running]).toBe('w1@test');

    const b = fx.worker([task]);
    await b.start();
    for (const id of queued) await fx.result(id, 'SUCCESS');
    await waitFor(() => b.inspect.scheduled().length === 1);
    await fx.clock.advance(5_000);
    await fx.result(eta, 'SUCCESS');
    expect([ranBy[queued[0]!], ranBy[queued[1]!], ranBy[eta]]).toEqual([
      'w2@test',
      'w2@test',
      'w2@test',
    ]);
  });

  it('warm shutdown aborts what is still running after shutdownTimeoutMs', async () => {
    await using fx = new Fixture();
    let signalled = false;
    const w = fx.worker(
      [
        implementTask('proj.stuck', (ctx) => {
          ctx.signal.addEventListener('abort', () => (signalled = true));
          return new Promise(() => {});
        }),
      ],
      { shutdownTimeoutMs: 10_000 },
    );
    await w.start();
    const id = await fx.send(celeryMessage('proj.stuck'));
    await waitFor(() => w.inspect.active().length === 1);
    const stopping = w.stop();
    await fx.clock.advance(10_000);
    await stopping;
    expect(signalled).toBe(true);
    expect((await fx.result(id, 'FAILURE')).result).toMatchObject({ excType: 'WorkerLostError' });
  });

  it('cold: aborts running tasks; late-acked ones go back to the queue', async () => {
    await using fx = new Fixture();
    let reason: unknown;
    const w = fx.worker([
      implementTask(
        'proj.stuck',
        (ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => {
              reason = ctx.signal.reason;
              reject(ctx.signal.reason as Error);
            }),
          ),
        { acksLate: true },
      ),
    ]);
    await w.start();
    const id = await fx.send(celeryMessage('proj.stuck'));
    await waitFor(() => w.inspect.active().length === 1);
    await w.stop({ mode: 'cold' });
    expect(reason).toBeInstanceOf(Error);
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['requeue']);
    expect(await fx.producer.queueLength(fx.queue)).toBe(1);
    expect((await fx.results.get(id)).status).toBe('PENDING');
  });

  it('a cold stop during a warm one escalates it', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.stuck', () => new Promise(() => {}))]);
    await w.start();
    await fx.send(celeryMessage('proj.stuck'));
    await waitFor(() => w.inspect.active().length === 1);
    const warm = w.stop({ mode: 'warm' });
    const cold = w.stop({ mode: 'cold' });
    expect(cold).toBe(warm);
    await cold;
    expect(w.state).toBe(WorkerState.stopped);
  });

  it('start twice / start after stop name the state', async () => {
    await using fx = new Fixture();
    const w = fx.worker([]);
    await w.start();
    await w.stop();
    await expect(w.start()).rejects.toThrow(/Cannot start: the worker is stopped/);
  });
});

describe('signals', () => {
  it('SIGTERM stops warm; a second SIGINT after the first escalates to cold', async () => {
    await using fx = new Fixture();
    let aborted = false;
    const w = fx.worker([
      implementTask('proj.stuck', (ctx) => {
        ctx.signal.addEventListener('abort', () => (aborted = true));
        return new Promise(() => {});
      }),
    ]);
    await w.start();
    const remove = w.installSignalHandlers();
    try {
      await fx.send(celeryMessage('proj.stuck'));
      await waitFor(() => w.inspect.active().length === 1);
      process.emit('SIGINT');
      await waitFor(() => w.state === WorkerState.stopping);
      expect(aborted).toBe(false);
      process.emit('SIGINT');
      await waitFor(() => w.state === WorkerState.stopped);
      expect(aborted).toBe(true);
    } finally {
      remove();
    }
    expect(
      fx.logged('info').some((l) => l.message.includes('SIGINT received: cold shutdown')),
    ).toBe(true);
  });

  it('SIGTERM alone lets the running task finish', async () => {
    await using fx = new Fixture();
    const g = gate();
    const w = fx.worker([implementTask('proj.wait', async () => g.opened)]);
    await w.start();
    const remove = w.installSignalHandlers();
    try {
      const id = await fx.send(celeryMessage('proj.wait'));
      await waitFor(() => w.inspect.active().length === 1);
      process.emit('SIGTERM');
      await waitFor(() => w.state === WorkerState.stopping);
      g.open();
      await fx.result(id, 'SUCCESS');
      await waitFor(() => w.state === WorkerState.stopped);
    } finally {
      remove();
    }
  });
});
