import { describe, expect, it } from 'vitest';
import { implementTask } from '@celeriac/worker';
import { celeryMessage, Fixture, waitFor } from './support.js';

const encoder = new TextEncoder();

describe('messages the worker will not run', () => {
  it('unknown task: FAILURE NotRegistered stored, rejected without requeue, logged, still consuming', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([implementTask('proj.ok', async () => 'ok')]);
    await worker.start();
    const id = await fx.send(celeryMessage('proj.nosuch', { args: [1] }));
    const meta = await fx.result(id, 'FAILURE');
    expect(meta.result).toEqual({
      excType: 'NotRegistered',
      excMessage: ['proj.nosuch'],
      excModule: 'celery.exceptions',
    });
    await waitFor(() => fx.transports[0]!.actionsOf(id).length > 0);
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['reject']);
    const line = fx.logged('error').find((l) => l.fields.id === id)!;
    expect(line.fields).toMatchObject({ task: 'proj.nosuch', id, queue: fx.queue });
    expect(line.message).toContain('unregistered task');
    const ok = await fx.send(celeryMessage('proj.ok'));
    await fx.result(ok, 'SUCCESS');
    expect(await fx.producer.queueLength(fx.queue)).toBe(0);
  });

  it('pickle: refused without requeue, nothing stored, logged with the content type', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([implementTask('proj.ok', async () => 'ok')]);
    await worker.start();
    const msg = celeryMessage('proj.ok', { contentType: 'application/x-python-serialize' });
    msg.body = new Uint8Array([0x80, 0x04, 0x95]);
    const id = await fx.send(msg);
    await waitFor(() => fx.transports[0]!.actionsOf(id).length > 0);
    expect(fx.transports[0]!.actionsOf(id)).toEqual(['reject']);
    expect((await fx.results.get(id)).status).toBe('PENDING');
    const line = fx.logged('error').find((l) => l.fields.id === id)!;
    expect(line.message).toContain('Refusing to deserialize untrusted content');
    expect(line.fields).toMatchObject({
      task: 'proj.ok',
      queue: fx.queue,
      contentType: 'application/x-python-serialize',
    });
    const ok = await fx.send(celeryMessage('proj.ok'));
    await fx.result(ok, 'SUCCESS');
  });

  it('undecodable JSON and malformed bodies: rejected with what and where', async () => {
    await using fx = new Fixture();
    const worker = fx.worker([implementTask('proj.ok', async () => 'ok')]);
    await worker.start();
    const broken = celeryMessage('proj.ok');
    broken.body = encoder.encode('[[1, 2], {}, ');
    const brokenId = await fx.send(broken);
    const shape = celeryMessage('proj.ok');
    shape.body = encoder.encode('[{"not": "args"}, {}, {}]');
    const shapeId = await fx.send(shape);
    const noTask = celeryMessage('proj.ok');
    delete noTask.headers.task;
    const noTaskId = await fx.send(noTask);
    await waitFor(() => fx.logged('error').length >= 3);
    const byId = (id: string) => fx.logged('error').find((l) => l.fields.id === id)!;
    expect(byId(brokenId).fields.path).toBe('body');
    expect(byId(shapeId).fields.path).toBe('body[0]');
    expect(byId(noTaskId).fields.path).toBe('headers.task');
    for (const id of [brokenId, shapeId, noTaskId]) {
      expect(fx.transports[0]!.actionsOf(id)).toEqual(['reject']);
      expect((await fx.results.get(id)).status).toBe('PENDING');
    }
    const ok = await fx.send(celeryMessage('proj.ok'));
    await fx.result(ok, 'SUCCESS');
  });
});
