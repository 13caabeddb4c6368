import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@celeriac/protocol';
import { implementTask } from '@celeriac/worker';
import { celeryMessage, Fixture, waitFor } from './support.js';

const add = defineTask('proj.add', {
  args: z.tuple([z.number(), z.number()]),
  kwargs: z.object({ scale: z.number().default(1) }),
  result: z.number(),
});

describe('tasks implemented from contracts', () => {
  it('hands the handler parsed, typed arguments and kwargs', async () => {
    await using fx = new Fixture();
    const w = fx.worker([
      implementTask(add, async (ctx, a, b) => {
        const scale: number = ctx.kwargs.scale;
        return (a + b) * scale;
      }),
    ]);
    await w.start();
    const plain = await fx.send(celeryMessage('proj.add', { args: [2, 3] }));
    const scaled = await fx.send(
      celeryMessage('proj.add', { args: [2, 3], kwargs: { scale: 10 } }),
    );
    expect((await fx.result(plain, 'SUCCESS')).result).toBe(5);
    expect((await fx.result(scaled, 'SUCCESS')).result).toBe(50);
  });

  it('schema failure: FAILURE ValidationError with the zod issues, never retried, handler not run', async () => {
    await using fx = new Fixture();
    let ran = false;
    const w = fx.worker([
      implementTask(
        add,
        async (_ctx, a, b) => {
          ran = true;
          return a + b;
        },
        { autoretryFor: () => true },
      ),
    ]);
    await w.start();
    const id = await fx.send(
      celeryMessage('proj.add', { args: [2, 'three'], kwargs: { scale: 'x' } }),
    );
    const meta = await fx.result(id, 'FAILURE');
    const result = meta.result as { excType: string; excMessage: string[] };
    expect(result.excType).toBe('ValidationError');
    expect(result.excMessage[0]).toContain('Invalid arguments for task proj.add');
    expect(result.excMessage[0]).toContain('args[1]');
    expect(result.excMessage[0]).toContain('kwargs.scale');
    expect(ran).toBe(false);
    expect(fx.transports[0]!.published.filter((p) => p.message.headers.id === id)).toEqual([]);
    // The worker keeps consuming.
    const ok = await fx.send(celeryMessage('proj.add', { args: [1, 1] }));
    await fx.result(ok, 'SUCCESS');
  });

  it('a result that breaks the contract is a FAILURE', async () => {
    await using fx = new Fixture();
    const w = fx.worker([implementTask(add, async () => 'not a number' as unknown as number)]);
    await w.start();
    const id = await fx.send(celeryMessage('proj.add', { args: [1, 2] }));
    const meta = await fx.result(id, 'FAILURE');
    expect((meta.result as { excMessage: string[] }).excMessage[0]).toContain(
      'Invalid result of task proj.add',
    );
  });

  it('applies the contract options (acksLate, ignoreResult), overridable per implementation', async () => {
    await using fx = new Fixture();
    const quiet = defineTask('proj.quiet', { options: { acksLate: true, ignoreResult: true } });
    const loud = defineTask('proj.loud', { options: { ignoreResult: true } });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const w = fx.worker([
      implementTask(quiet, async () => gate),
      implementTask(loud, async () => 'stored', { ignoreResult: false }),
    ]);
    await w.start();
    const q = await fx.send(celeryMessage('proj.quiet'));
    await waitFor(() => w.inspect.active().length === 1);
    expect(fx.transports[0]!.actionsOf(q)).toEqual([]);
    release();
    await waitFor(() => fx.transports[0]!.actionsOf(q).length === 1);
    expect((await fx.results.get(q)).status).toBe('PENDING');
    const l = await fx.send(celeryMessage('proj.loud'));
    expect((await fx.result(l, 'SUCCESS')).result).toBe('stored');
  });
});
