import { describe, expect, it } from 'vitest';
import { implementTask } from '@celeriac/worker';
import { sleep } from '../src/clock.js';
import { celeryMessage, Fixture, waitFor } from './support.js';

describe('time and rate limits', () => {
  it('soft time limit aborts ctx.signal with a catchable SoftTimeLimitExceeded', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask(
        'proj.slow',
        async (ctx) => {
          try {
            await sleep(fx.clock, 60_000, ctx.signal);
            return 'not reached';
          } catch (error) {
            return `cleaned up after ${(error as Error).name}`;
          }
        },
        { softTimeLimit: 5 },
      ),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.slow'));
    await waitFor(() => worker.inspect.active().length === 1);
    await fx.clock.advance(5_000);
    expect((await fx.result(id, 'SUCCESS')).result).toBe('cleaned up after SoftTimeLimitExceeded');
  });

  it('hard time limit: FAILURE TimeLimitExceeded, executor replaced, worker goes on', async () => {
    await using fx = new Fixture();
    const worker = fx.worker(
      [
        implementTask('proj.stuck', () => new Promise(() => {}), { timeLimit: 10 }),
        implementTask('proj.ok', async () => 'ok'),
      ],
      { concurrency: 1 },
    );
    await worker.start();
    const id = await fx.send(celeryMessage('proj.stuck'));
    await waitFor(() => worker.inspect.active().length === 1);
    await fx.clock.advance(9_999);
    expect((await fx.results.get(id)).status).toBe('PENDING');
    await fx.clock.advance(1);
    const meta = await fx.result(id, 'FAILURE');
    expect(meta.result).toEqual({
      excType: 'TimeLimitExceeded',
      excMessage: [10],
      excModule: 'billiard.exceptions',
    });
    const ok = await fx.send(celeryMessage('proj.ok'));
    await fx.result(ok, 'SUCCESS');
  });

  it('the timelimit header overrides the task options', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask('proj.stuck', () => new Promise(() => {}), { timeLimit: 100 }),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.stuck', { timelimit: [2, null] }));
    await waitFor(() => worker.inspect.active().length === 1);
    await fx.clock.advance(2_000);
    await fx.result(id, 'FAILURE');
  });

  it('rate limit 2/s spaces executions 500 ms apart; waiting tasks stay unacked and bump prefetch', async () => {
    await using fx = new Fixture();
    const starts: number[] = [];
    const worker = fx.worker(
      [
        implementTask('proj.limited', async () => void starts.push(fx.clock.now()), {
          rateLimit: '2/s',
        }),
      ],
      { concurrency: 4, prefetchMultiplier: 1 },
    );
    await worker.start();
    const t0 = fx.clock.now();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await fx.send(celeryMessage('proj.limited')));
    await fx.result(ids[0]!, 'SUCCESS');
    await waitFor(() => fx.transports[0]!.prefetches.includes(7));
    expect(fx.transports[0]!.actionsOf(ids[3]!)).toEqual([]);
    for (let i = 0; i < 3; i++) await fx.clock.advance(500);
    for (const id of ids) await fx.result(id, 'SUCCESS');
    expect(starts.map((t) => t - t0)).toEqual([0, 500, 1000, 1500]);
  });
});
