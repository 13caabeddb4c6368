import { describe, expect, it } from 'vitest';
import { implementTask } from '@celeriac/worker';
import { celeryMessage, Fixture, waitFor } from './support.js';

describe('executing tasks', () => {
  it('stores SUCCESS with the return value, as Celery does', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask('proj.add', async (_ctx, a: number, b: number) => a + b),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.add', { args: [2, 3] }));
    const meta = await fx.result(id, 'SUCCESS');
    expect(meta.result).toBe(5);
    expect(meta.traceback).toBeNull();
    expect(meta.children).toEqual([]);
    expect(meta.dateDone).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('stores FAILURE with the encoded error and a traceback, and keeps going', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask('proj.fail', async (_ctx, msg: string) => {
        throw new TypeError(msg);
      }),
      implementTask('proj.ok', async () => 'ok'),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.fail', { args: ['boom'] }));
    const meta = await fx.result(id, 'FAILURE');
    expect(meta.result).toEqual({
      excType: 'TypeError',
      excMessage: ['boom'],
      excModule: 'builtins',
    });
    expect(meta.traceback).toContain('TypeError: boom');
    const ok = await fx.send(celeryMessage('proj.ok'));
    expect((await fx.result(ok, 'SUCCESS')).result).toBe('ok');
  });

  it('gives the handler its context: id, retries, headers, kwargs', async () => {
    await using fx = new Fixture();
    let seen: Record<string, unknown> = {};
    const worker = fx.worker([
      implementTask('proj.ctx', async (ctx) => {
        seen = {
          taskId: ctx.taskId,
          name: ctx.name,
          retries: ctx.retries,
          custom: ctx.headers.custom,
          kwargs: ctx.kwargs,
          routingKey: ctx.deliveryInfo.routingKey,
          hostname: ctx.hostname,
        };
      }),
    ]);
    await worker.start();
    const id = await fx.send(
      celeryMessage('proj.ctx', { kwargs: { x: 1 }, retries: 2, headers: { custom: 'yes' } }),
    );
    await fx.result(id, 'SUCCESS');
    expect(seen).toEqual({
      taskId: id,
      name: 'proj.ctx',
      retries: 2,
      custom: 'yes',
      kwargs: { x: 1 },
      routingKey: fx.queue,
      hostname: 'w1@test',
    });
  });

  it('stores result_extended fields when asked', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([implementTask('proj.echo', async (_ctx, ...args) => args)], {
      resultExtended: true,
    });
    await worker.start();
    const id = await fx.send(celeryMessage('proj.echo', { args: [1, 'a'], kwargs: { k: 2 } }));
    const meta = await fx.result(id, 'SUCCESS');
    expect(meta).toMatchObject({
      name: 'proj.echo',
      args: [1, 'a'],
      kwargs: { k: 2 },
      worker: 'w1@test',
      retries: 0,
      queue: fx.queue,
    });
  });

  it('runs protocol v1 messages, and retries them as v2', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask('proj.v1', async (ctx, a: number) => {
        if (ctx.retries === 0) ctx.retry({ countdown: 1 });
        return a * 2;
      }),
    ]);
    await worker.start();
    const id = 'aaaaaaaa-0000-4000-8000-000000000001';
    await fx.send({
      body: new TextEncoder().encode(
        JSON.stringify({
          task: 'proj.v1',
          id,
          args: [21],
          kwargs: {},
          retries: 0,
          eta: null,
          utc: true,
        }),
      ),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      headers: {},
      properties: { correlationId: id },
    });
    await fx.result(id, 'RETRY');
    const retried = fx.transports[0]!.published.find((p) => p.message.headers.id === id)!;
    expect(retried.message.headers).toMatchObject({ task: 'proj.v1', retries: 1, parent_id: id });
    await waitFor(() => worker.inspect.scheduled().length === 1);
    await fx.clock.advance(1_000);
    expect((await fx.result(id, 'SUCCESS')).result).toBe(42);
  });

  it('runs compressed (zlib) messages', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([
      implementTask('proj.add', async (_ctx, a: number, b: number) => a + b),
    ]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.add', { args: [20, 22], compress: true }));
    expect((await fx.result(id, 'SUCCESS')).result).toBe(42);
  });
});
