import { describe, expect, it } from 'vitest';
import { decodeBody, EncodeError, signature, TaskProtocol } from '@celeriac/protocol';
import { FlakyTransport, Fixture, ReplyQueueBackend } from './support.js';

const NOW = new Date('2026-03-01T12:00:00.250Z');

describe('sendTask: every option lands where Celery 5.2 puts it', () => {
  it('a plain send: v2 headers in Celery order, properties, body', async () => {
    await using fx = new Fixture({ now: () => NOW, origin: 'gen42@host' });
    const result = await fx.client.sendTask('proj.add', [2, 3], { z: 1 });
    const { delivery, task } = await fx.takeTask('celery');
    expect(task.protocol).toBe(TaskProtocol.v2);
    expect(Object.keys(delivery.message.headers)).toEqual([
      'lang',
      'task',
      'id',
      'shadow',
      'eta',
      'expires',
      'group',
      'group_index',
      'retries',
      'timelimit',
      'root_id',
      'parent_id',
      'argsrepr',
      'kwargsrepr',
      'origin',
      'ignore_result',
    ]);
    expect(delivery.message.headers).toMatchObject({
      lang: 'py',
      task: 'proj.add',
      id: result.id,
      root_id: result.id,
      parent_id: null,
      eta: null,
      expires: null,
      retries: 0,
      timelimit: [null, null],
      argsrepr: '(2, 3)',
      kwargsrepr: "{'z': 1}",
      origin: 'gen42@host',
      ignore_result: false,
    });
    expect(result.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(task.args).toEqual([2, 3]);
    expect(task.kwargs).toEqual({ z: 1 });
    expect(task.embed).toEqual({ callbacks: null, errbacks: null, chain: null, chord: null });
    expect(delivery.message.properties).toMatchObject({
      correlationId: result.id,
      replyTo: fx.client.oid,
      deliveryMode: 2,
      priority: 0,
    });
    expect(delivery.message.properties.expiration).toBeUndefined();
    expect(delivery.message.contentType).toBe('application/json');
    expect(delivery.exchange).toBe('');
    expect(delivery.routingKey).toBe('celery');
  });

  it('countdown becomes an ISO eta with +00:00; countdown wins over eta', async () => {
    await using fx = new Fixture({ now: () => NOW });
    await fx.client.sendTask('proj.add', [], {}, { countdown: 10 });
    await fx.client.sendTask('proj.add', [], {}, { countdown: 1, eta: new Date(0) });
    const [a, b] = await fx.take('celery', 2);
    expect(a!.message.headers['eta']).toBe('2026-03-01T12:00:10.250000+00:00');
    expect(b!.message.headers['eta']).toBe('2026-03-01T12:00:01.250000+00:00');
  });

  it('eta as a Date is formatted; as a string it is sent verbatim', async () => {
    await using fx = new Fixture({ now: () => NOW });
    await fx.client.sendTask('t', [], {}, { eta: new Date('2026-03-02T00:00:00Z') });
    await fx.client.sendTask('t', [], {}, { eta: '2026-03-02T01:00:00.123456+01:00' });
    const [a, b] = await fx.take('celery', 2);
    expect(a!.message.headers['eta']).toBe('2026-03-02T00:00:00+00:00');
    expect(b!.message.headers['eta']).toBe('2026-03-02T01:00:00.123456+01:00');
  });

  it('expires in seconds → absolute header + expiration property in ms; a Date too', async () => {
    await using fx = new Fixture({ now: () => NOW });
    await fx.client.sendTask('t', [], {}, { expires: 60 });
    await fx.client.sendTask('t', [], {}, { expires: new Date(NOW.getTime() + 1500) });
    const [a, b] = await fx.take('celery', 2);
    expect(a!.message.headers['expires']).toBe('2026-03-01T12:01:00.250000+00:00');
    expect(a!.message.properties.expiration).toBe('60000');
    expect(b!.message.headers['expires']).toBe('2026-03-01T12:00:01.750000+00:00');
    expect(b!.message.properties.expiration).toBe('1500');
  });

  it('an expires already past sends expiration "0", and the broker drops the message', async () => {
    await using fx = new Fixture({ now: () => NOW });
    const recorder = new FlakyTransport(fx.transport);
    const client = fx.makeClient({ transport: recorder, now: () => NOW });
    await client.sendTask('t', [], {}, { expires: new Date(NOW.getTime() - 1000) });
    expect(recorder.published[0]!.message.properties.expiration).toBe('0');
    expect(await fx.transport.queueLength('celery')).toBe(0);
    await client.close();
  });

  it('priority, shadow, time limits [hard, soft], ignoreResult, ids, group, retries', async () => {
    await using fx = new Fixture({ now: () => NOW });
    const result = await fx.client.sendTask('proj.add', [1], undefined, {
      priority: 7,
      shadow: 'add-shadow',
      timeLimit: 30,
      softTimeLimit: 20.5,
      ignoreResult: true,
      taskId: 'fixed-id',
      parentId: 'parent-1',
      rootId: 'root-1',
      groupId: 'group-1',
      groupIndex: 2,
      retries: 3,
      deliveryMode: 1,
      replyTo: 'my-reply-queue',
    });
    expect(result.id).toBe('fixed-id');
    const { delivery, task } = await fx.takeTask();
    expect(task.headers).toMatchObject({
      id: 'fixed-id',
      shadow: 'add-shadow',
      timelimit: [30, 20.5],
      ignoreResult: true,
      parentId: 'parent-1',
      rootId: 'root-1',
      group: 'group-1',
      groupIndex: 2,
      retries: 3,
    });
    expect(delivery.message.properties).toMatchObject({
      correlationId: 'fixed-id',
      priority: 7,
      deliveryMode: 1,
      replyTo: 'my-reply-queue',
    });
  });

  it('headers merge into the top level of the header table, standard keys included', async () => {
    await using fx = new Fixture();
    await fx.client.sendTask(
      't',
      [],
      {},
      { headers: { tenant: 'acme', retries: 5, nested: { a: 1 } } },
    );
    const { delivery, task } = await fx.takeTask();
    expect(delivery.message.headers['tenant']).toBe('acme');
    expect(delivery.message.headers['nested']).toEqual({ a: 1 });
    // Celery's headers.update(): a standard key is replaced in place.
    expect(delivery.message.headers['retries']).toBe(5);
    expect(Object.keys(delivery.message.headers).indexOf('retries')).toBe(8);
    expect(task.headers.extraHeaders).toEqual({ tenant: 'acme', nested: { a: 1 } });
  });

  it('link and linkError become the embed callbacks/errbacks; chain is reversed', async () => {
    await using fx = new Fixture();
    const cb = signature({ task: 'proj.log', args: ['done'] });
    const eb1 = signature({ task: 'proj.alert' });
    const eb2 = signature({ task: 'proj.cleanup', immutable: true });
    const b = signature({ task: 'proj.b', options: { task_id: 'b-id' } });
    const c = signature({ task: 'proj.c', options: { task_id: 'c-id' } });
    await fx.client.sendTask('proj.a', [1], {}, { link: cb, linkError: [eb1, eb2], chain: [b, c] });
    const { task } = await fx.takeTask();
    expect(task.embed.callbacks).toEqual([cb]);
    expect(task.embed.errbacks).toEqual([eb1, eb2]);
    expect(task.embed.chain!.map((s) => s.task)).toEqual(['proj.c', 'proj.b']);
    expect(task.embed.chord).toBeNull();
  });

  it('compression: zlib body with the application/x-gzip header, decodable', async () => {
    await using fx = new Fixture();
    await fx.client.sendTask('t', ['x'.repeat(1000)], {}, { compression: 'zlib' });
    const { delivery, task } = await fx.takeTask();
    expect(delivery.message.headers['compression']).toBe('application/x-gzip');
    expect(delivery.message.body.byteLength).toBeLessThan(200);
    expect(delivery.message.body[0]).toBe(0x78);
    expect(task.args).toEqual(['x'.repeat(1000)]);
    expect(decodeBody(delivery.message)).toEqual([['x'.repeat(1000)], {}, expect.anything()]);
  });

  it('taskDefaults apply under each call; the call wins', async () => {
    await using fx = new Fixture({ taskDefaults: { expires: 100, timeLimit: 9, priority: 4 } });
    await fx.client.sendTask('t', [], {}, { timeLimit: 1 });
    const { delivery, task } = await fx.takeTask();
    expect(task.headers.timelimit).toEqual([1, null]);
    expect(delivery.message.properties.expiration).toBe('100000');
    expect(delivery.message.properties.priority).toBe(4);
  });

  it('the result backend reply queue wins over the oid as reply_to', async () => {
    await using fx = new Fixture();
    const client = fx.makeClient({ backend: new ReplyQueueBackend({ store: fx.store }) });
    await client.sendTask('t');
    const { delivery } = await fx.takeTask();
    expect(delivery.message.properties.replyTo).toBe('rpc-oid');
    await client.close();
  });

  it('values JSON cannot carry fail before anything is published, naming the path', async () => {
    await using fx = new Fixture();
    const error = await fx.client.sendTask('t', [1, new Set([1])]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncodeError);
    expect((error as EncodeError).message).toContain('args[1]');
    expect(await fx.transport.queueLength('celery')).toBe(0);
  });
});
