import { describe, expect, it } from 'vitest';
import { implementTask } from '@celeriac/worker';
import { celeryMessage, Fixture, waitFor } from './support.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('acknowledgements, states and prefetch', () => {
  it('acks early by default: when the executor accepts the task, before it ends', async () => {
    await using fx = new Fixture();
    const g = gate();
    const worker = fx.worker([implementTask('proj.t', async () => g.opened)]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.t'));
    await waitFor(() => worker.inspect.active().length === 1);
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['ack']);
    g.open();
    await fx.result(id, 'SUCCESS');
  });

  it('acksLate: acked only after the task ends', async () => {
    await using fx = new Fixture();
    const g = gate();
    const worker = fx.worker([implementTask('proj.t', async () => g.opened, { acksLate: true })]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.t'));
    await waitFor(() => worker.inspect.active().length === 1);
    expect(fx.transports[0]!.actionsOf(id)).toEqual([]);
    expect(worker.inspect.active()[0]!.acknowledged).toBe(false);
    g.open();
    await fx.result(id, 'SUCCESS');
    await waitFor(() => fx.transports[0]!.actionsOf(id).length === 1);
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['ack']);
  });

  it('acksLate with acksOnFailureOrTimeout false: a failed task is rejected', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask(
        'proj.t',
        async () => {
          throw new Error('nope');
        },
        { acksLate: true, acksOnFailureOrTimeout: false },
      ),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.t'));
    await fx.result(id, 'FAILURE');
    await waitFor(() => fx.transports[0]!.actionsOf(id).length === 1);
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['reject']);
  });

  it('trackStarted stores STARTED {pid, hostname}; updateState stores custom states', async () => {
    await using fx = new Fixture();
    const g = gate();
    const progressed = gate();
    const worker = fx.worker([
      implementTask(
        'proj.progress',
        async (ctx) => {
          await ctx.updateState('PROGRESS', { done: 1, total: 2 });
          progressed.open();
          await g.opened;
          return 2;
        },
        { trackStarted: true },
      ),
    ]);
    const seen: string[] = [];
    await worker.start();
    const id = await fx.send(celeryMessage('proj.progress'));
    const waiting = fx.results.wait(id, { onUpdate: (m) => seen.push(m.status), timeoutMs: 5000 });
    await progressed.opened;
    const progress = await fx.results.get(id);
    expect(progress).toMatchObject({ status: 'PROGRESS', result: { done: 1, total: 2 } });
    g.open();
    expect((await waiting).result).toBe(2);
    expect(seen).toContain('PROGRESS');
  });

  it('trackStarted result is {pid, hostname}', async () => {
    await using fx = new Fixture();
    const g = gate();
    const worker = fx.worker([
      implementTask('proj.t', async () => g.opened, { trackStarted: true }),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.t'));
    const started = await fx.result(id, 'STARTED');
    expect(started.result).toEqual({ pid: process.pid, hostname: 'w1@test' });
    g.open();
    await fx.result(id, 'SUCCESS');
  });

  it('ignoreResult (option or header) stores nothing', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask('proj.quiet', async () => 1, { ignoreResult: true }),
      implementTask('proj.loud', async () => 1),
    ]);
    await worker.start();
    const a = await fx.send(celeryMessage('proj.quiet'));
    const b = await fx.send(celeryMessage('proj.loud', { headers: { ignore_result: true } }));
    const c = await fx.send(celeryMessage('proj.loud'));
    await fx.result(c, 'SUCCESS');
    await waitFor(() => fx.transports[0]!.actionsOf(b).length === 1);
    expect((await fx.results.get(a)).status).toBe('PENDING');
    expect((await fx.results.get(b)).status).toBe('PENDING');
  });

  it('honours prefetch = concurrency × multiplier (unacked messages)', async () => {
    await using fx = new Fixture();
    const g = gate();
    const worker = fx.worker([implementTask('proj.t', async () => g.opened)], {
      concurrency: 2,
      prefetchMultiplier: 3,
    });
    await worker.start();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await fx.send(celeryMessage('proj.t')));
    // Early acks settle the two running tasks, so (as in Celery) six more are reserved:
    // the limit is on unacknowledged messages.
    await waitFor(() => worker.inspect.reserved().length === 6);
    expect(worker.inspect.active()).toHaveLength(2);
    expect(fx.transports[0]!.prefetches[0]).toBe(6);
    expect(await fx.producer.queueLength(fx.queue)).toBe(2);
    g.open();
    for (const id of ids) await fx.result(id, 'SUCCESS');
  });
});

describe('prefetch with late acks', () => {
  it('holds at most concurrency × multiplier unacked messages', async () => {
    await using fx = new Fixture();
    const g = gate();
    const worker = fx.worker([implementTask('proj.t', async () => g.opened, { acksLate: true })], {
      concurrency: 2,
      prefetchMultiplier: 3,
    });
    await worker.start();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await fx.send(celeryMessage('proj.t')));
    await waitFor(() => worker.inspect.reserved().length === 4);
    expect(worker.inspect.active()).toHaveLength(2);
    expect(await fx.producer.queueLength(fx.queue)).toBe(4);
    g.open();
    for (const id of ids) await fx.result(id, 'SUCCESS');
  });
});

describe('lease renewal', () => {
  it('renews the lease of a long late-acked task while it runs', async () => {
    await using fx = new Fixture();
    const g = gate();
    const worker = fx.worker(
      [implementTask('proj.long', async () => g.opened, { acksLate: true })],
      {
        leaseRenewIntervalMs: 60_000,
      },
    );
    await worker.start();
    const id = await fx.send(celeryMessage('proj.long'));
    await waitFor(() => worker.inspect.active().length === 1);
    await fx.clock.advance(180_000);
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['renew', 'renew', 'renew']);
    g.open();
    await fx.result(id, 'SUCCESS');
    await waitFor(() => fx.transports[0]!.actionsOf(id).length === 4);
    expect(fx.transports[0]!.actionsOf(id).at(-1)).toBe('ack');
  });
});
