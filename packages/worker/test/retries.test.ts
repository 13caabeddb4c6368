import { describe, expect, it } from 'vitest';
import { formatIsoDate } from '@celeriac/protocol';
import { implementTask, MaxRetriesExceededError } from '@celeriac/worker';
import { celeryMessage, Fixture, waitFor } from './support.js';

class FlakyError extends Error {
  override name = 'FlakyError';
}

describe('retries', () => {
  it('ctx.retry re-publishes the same id with retries+1, eta and parent_id = own id, stores RETRY', async () => {
    await using fx = new Fixture();
    let calls = 0;
    const worker = fx.worker([
      implementTask('proj.flaky', async (ctx) => {
        calls++;
        if (ctx.retries === 0) ctx.retry({ countdown: 10, exc: new FlakyError('try again') });
        return `done after ${ctx.retries}`;
      }),
    ]);
    await worker.start();
    const start = fx.clock.now();
    const id = await fx.send(celeryMessage('proj.flaky'));
    const retry = await fx.result(id, 'RETRY');
    expect(retry.result).toEqual({
      excType: 'FlakyError',
      excMessage: ['try again'],
      // No Python built-in of that name: a Python client gets a synthesized class.
      excModule: 'celery.exceptions',
    });
    expect(retry.children).toEqual([[[id, null], null]]);
    expect(retry.dateDone).toBeNull();
    const republished = fx.transports[0]!.published.find((p) => p.message.headers.id === id)!;
    expect(republished.route).toEqual({ exchange: '', routingKey: fx.queue });
    expect(republished.message.headers).toMatchObject({
      retries: 1,
      parent_id: id,
      root_id: id,
      eta: formatIsoDate(new Date(start + 10_000)),
    });
    // Held by the timer, not run early.
    await waitFor(() => worker.inspect.scheduled().length === 1);
    await fx.clock.advance(9_000);
    expect(calls).toBe(1);
    await fx.clock.advance(1_000);
    expect((await fx.result(id, 'SUCCESS')).result).toBe('done after 1');
    expect(calls).toBe(2);
  });

  it('autoretryFor retries matching errors with exponential backoff, then fails with the error', async () => {
    await using fx = new Fixture();
    const runs: number[] = [];
    const worker = fx.worker([
      implementTask(
        'proj.auto',
        async (ctx) => {
          runs.push(fx.clock.now());
          throw new FlakyError(`attempt ${ctx.retries}`);
        },
        { autoretryFor: [FlakyError], retryBackoff: 2, retryJitter: false, maxRetries: 3 },
      ),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.auto'));
    // countdowns 2, 4, 8 s; the 4th run fails for good.
    for (const delay of [2_000, 4_000, 8_000]) {
      await waitFor(() => worker.inspect.scheduled().length === 1);
      await fx.clock.advance(delay);
    }
    const meta = await fx.result(id, 'FAILURE');
    expect(meta.result).toMatchObject({ excType: 'FlakyError', excMessage: ['attempt 3'] });
    const gaps = runs.slice(1).map((t, i) => t - runs[i]!);
    expect(gaps).toEqual([2_000, 4_000, 8_000]);
  });

  it('non-matching errors are not retried', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask(
        'proj.auto',
        async () => {
          throw new RangeError('no');
        },
        { autoretryFor: [FlakyError] },
      ),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.auto'));
    expect((await fx.result(id, 'FAILURE')).result).toMatchObject({ excType: 'RangeError' });
    expect(fx.transports[0]!.published.filter((p) => p.message.headers.id === id)).toHaveLength(0);
  });

  it('maxRetries exceeded without exc: FAILURE MaxRetriesExceededError', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask('proj.again', async (ctx) => ctx.retry({ countdown: 1 }), { maxRetries: 1 }),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.again'));
    await fx.result(id, 'RETRY');
    await waitFor(() => worker.inspect.scheduled().length === 1);
    await fx.clock.advance(1_000);
    const meta = await fx.result(id, 'FAILURE');
    expect(meta.result).toMatchObject({
      excType: MaxRetriesExceededError.name,
      excModule: 'celery.exceptions',
    });
  });
});
