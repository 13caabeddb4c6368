import { describe, expect, it } from 'vitest';
import { implementTask } from '@celeriac/worker';
import { celeryMessage, Fixture } from './support.js';

const sig = (
  task: string,
  options: Record<string, unknown> = {},
  args: unknown[] = [],
  immutable = false,
) => ({
  task,
  args,
  kwargs: {},
  options,
  subtask_type: null,
  immutable,
});

describe('link, link_error and chains', () => {
  it('sends link callbacks with the result prepended (unless immutable), parent_id = this task', async () => {
    await using fx = new Fixture();
    const seen: Record<string, { args: unknown[]; parent: string | null; root: string | null }> =
      {};
    const record = implementTask('proj.record', async (ctx, ...args: unknown[]) => {
      seen[ctx.taskId] = { args, parent: ctx.parentId, root: ctx.rootId };
    });
    const w = fx.worker([
      implementTask('proj.add', async (_c, a: number, b: number) => a + b),
      record,
    ]);
    await w.start();
    const id = await fx.send(
      celeryMessage('proj.add', {
        args: [2, 3],
        embed: {
          callbacks: [
            sig('proj.record', { task_id: 'cb-1', queue: fx.queue }, ['x']),
            sig('proj.record', { task_id: 'cb-2', queue: fx.queue }, ['y'], true),
          ],
          errbacks: null,
          chain: null,
          chord: null,
        },
      }),
    );
    await fx.result(id, 'SUCCESS');
    await fx.result('cb-1', 'SUCCESS');
    await fx.result('cb-2', 'SUCCESS');
    expect(seen['cb-1']).toEqual({ args: [5, 'x'], parent: id, root: id });
    expect(seen['cb-2']).toEqual({ args: ['y'], parent: id, root: id });
  });

  it('sends errbacks with the failed task id after a failure', async () => {
    await using fx = new Fixture();
    let errbackArgs: unknown[] = [];
    const w = fx.worker([
      implementTask('proj.fail', async () => {
        throw new Error('x');
      }),
      implementTask('proj.on_error', async (_c, ...args: unknown[]) => void (errbackArgs = args)),
    ]);
    await w.start();
    const id = await fx.send(
      celeryMessage('proj.fail', {
        embed: {
          callbacks: null,
          errbacks: [sig('proj.on_error', { task_id: 'eb-1', queue: fx.queue })],
          chain: null,
          chord: null,
        },
      }),
    );
    await fx.result(id, 'FAILURE');
    await fx.result('eb-1', 'SUCCESS');
    expect(errbackArgs).toEqual([id]);
  });

  it('chain: pops the next step (reversed list), sends it with the result and the rest of the chain', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.add', async (_c, a: number, b: number) => a + b)]);
    await w.start();
    // add(1, 2) | add(10) | add(100): embed chain is reversed, as Celery writes it.
    const id = await fx.send(
      celeryMessage('proj.add', {
        args: [1, 2],
        embed: {
          callbacks: null,
          errbacks: null,
          chain: [
            sig('proj.add', { task_id: 'c-3', queue: fx.queue }, [100]),
            sig('proj.add', { task_id: 'c-2', queue: fx.queue }, [10]),
          ],
          chord: null,
        },
      }),
    );
    await fx.result(id, 'SUCCESS');
    expect((await fx.result('c-2', 'SUCCESS')).result).toBe(13);
    expect((await fx.result('c-3', 'SUCCESS')).result).toBe(113);
    const sent = fx.transports[0]!.published.find((p) => p.message.headers.id === 'c-3')!;
    expect(sent.message.headers).toMatchObject({ parent_id: 'c-2', root_id: id, task: 'proj.add' });
  });
});

describe('failed chains', () => {
  it('marks the remaining chain steps FAILURE with the same error', async () => {
    await using fx = new Fixture();
    const w = fx.worker([
      implementTask('proj.fail', async () => {
        throw new RangeError('first step failed');
      }),
    ]);
    await w.start();
    const id = await fx.send(
      celeryMessage('proj.fail', {
        embed: {
          callbacks: null,
          errbacks: null,
          chain: [sig('proj.add', { task_id: 'f-3' }), sig('proj.add', { task_id: 'f-2' })],
          chord: null,
        },
      }),
    );
    await fx.result(id, 'FAILURE');
    for (const step of ['f-2', 'f-3']) {
      expect((await fx.result(step, 'FAILURE')).result).toMatchObject({
        excType: 'RangeError',
        excMessage: ['first step failed'],
      });
    }
  });
});

describe('follow-ups without a queue option', () => {
  it('go to the first queue the worker consumes, as a Python worker sends them to its default queue', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask('proj.add', async (_c, a: number, b: number) => a + b)]);
    await w.start();
    // The callback and the chain step carry no queue: they must come back to fx.queue,
    // where this worker runs them (before the fix they went to `celery` and never ran).
    const id = await fx.send(
      celeryMessage('proj.add', {
        args: [1, 2],
        embed: {
          callbacks: [sig('proj.add', { task_id: 'cb-noq' }, [10])],
          errbacks: null,
          chain: [sig('proj.add', { task_id: 'step-noq' }, [100])],
          chord: null,
        },
      }),
    );
    await fx.result(id, 'SUCCESS');
    expect((await fx.result('cb-noq', 'SUCCESS')).result).toBe(13);
    expect((await fx.result('step-noq', 'SUCCESS')).result).toBe(103);
  });

  it('go to the app-level defaultQueue when one is given', async () => {
    await using fx = new Fixture();
    const other = `${fx.queue}-default`;
    const w = fx.worker([implementTask('proj.add', async (_c, a: number, b: number) => a + b)], {
      queues: [fx.queue, other],
      defaultQueue: other,
    });
    await w.start();
    const id = await fx.send(
      celeryMessage('proj.add', {
        args: [1, 2],
        embed: {
          callbacks: [sig('proj.add', { task_id: 'cb-dq' }, [1])],
          errbacks: null,
          chain: null,
          chord: null,
        },
      }),
    );
    await fx.result(id, 'SUCCESS');
    const meta = await fx.result('cb-dq', 'SUCCESS');
    expect(meta.result).toBe(4);
    const routed = fx.transports[0]!.published.find((p) => p.message.headers.id === 'cb-dq');
    expect(routed?.route.routingKey).toBe(other);
  });
});
