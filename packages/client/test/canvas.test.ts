import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeTaskMessage, defineTask, signature } from '@celeriac/protocol';
import {
  chain,
  ChordsUnsupportedError,
  chord,
  chunks,
  group,
  link,
  map,
  MessageTooLargeError,
} from '@celeriac/client';
import { Fixture } from './support.js';

const add = defineTask('proj.add', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
});
const tsum = defineTask('proj.tsum', { args: z.tuple([z.array(z.number())]), result: z.number() });
const greet = defineTask('proj.greet', { args: z.tuple([z.string()]), result: z.string() });

describe('canvas on the wire (Celery 5.2 shapes)', () => {
  it('chain: publishes only the first task; the rest reversed in embed.chain with ids; result = last', async () => {
    await using fx = new Fixture();
    const a = fx.client.task(add);
    const r = await fx.client.send(chain(a.s(1, 2), a.s(3), a.s(4)));
    const { task } = await fx.takeTask();
    expect(task.headers.task).toBe('proj.add');
    expect(task.args).toEqual([1, 2]);
    const rest = task.embed.chain!;
    expect(rest.map((s) => s.args)).toEqual([[4], [3]]);
    expect(rest[0]!.options.task_id).toBe(r.id);
    expect(typeof rest[1]!.options.task_id).toBe('string');
  });

  it('every step, member and chord body carries the client’s reply_to (Celery’s freeze): rpc:// canvases return', async () => {
    await using fx = new Fixture();
    const replyTo = fx.client.oid; // the memory backend has no reply queue of its own
    const a = fx.client.task(add);
    await fx.client.send(chain(a.s(1, 2), a.s(3), group(a.s(4), a.s(5)), fx.client.task(tsum).s()));
    const { task } = await fx.takeTask();
    expect(task.properties.replyTo).toBe(replyTo);
    const [chordStep, step2] = task.embed.chain!;
    expect(step2!.options.reply_to).toBe(replyTo);
    const header = chordStep!.kwargs['header'] as { kwargs: { tasks: { options: object }[] } };
    for (const member of header.kwargs.tasks)
      expect(member.options).toMatchObject({ reply_to: replyTo });
    expect((chordStep!.kwargs['body'] as { options: object }).options).toMatchObject({
      reply_to: replyTo,
    });
    // A reply queue a signature names itself is kept; the call's replyTo wins over the default.
    await fx.client.send(
      chain(a.si(1, 1), a.signature([2], {}, { replyTo: 'own-queue' }), a.s(3)),
      { replyTo: 'call-queue' },
    );
    const second = (await fx.takeTask()).task;
    expect(second.properties.replyTo).toBe('call-queue');
    expect(second.embed.chain!.map((s) => s.options.reply_to)).toEqual(['call-queue', 'own-queue']);
  });

  it('group: every member with the group header, group_index null; GroupResult ids in order', async () => {
    await using fx = new Fixture();
    const a = fx.client.task(add);
    const g = await fx.client.send(group(a.si(1, 1), a.si(2, 2), a.si(3, 3)));
    const deliveries = await fx.take('celery', 3);
    const tasks = deliveries.map((d) => decodeTaskMessage(d.message));
    expect(tasks.map((t) => t.headers.group)).toEqual([g.id, g.id, g.id]);
    expect(tasks.map((t) => t.headers.groupIndex ?? null)).toEqual([null, null, null]);
    expect(new Set(tasks.map((t) => t.headers.id))).toEqual(new Set(g.taskIds));
  });

  it('chord: size set first, header members with group_index 0..n-1 and embed.chord = body', async () => {
    await using fx = new Fixture();
    const a = fx.client.task(add);
    const r = await fx.client.send(chord(group(a.si(1, 1), a.si(2, 2)), fx.client.task(tsum).s()));
    const tasks = (await fx.take('celery', 2)).map((d) => decodeTaskMessage(d.message));
    const byIndex = tasks.sort((x, y) => (x.headers.groupIndex ?? 0) - (y.headers.groupIndex ?? 0));
    expect(byIndex.map((t) => t.headers.groupIndex)).toEqual([0, 1]);
    expect(byIndex[0]!.headers.group).toBe(byIndex[1]!.headers.group);
    expect(byIndex[0]!.embed.chord?.task).toBe('proj.tsum');
    expect(byIndex[0]!.embed.chord?.options.task_id).toBe(r.id);
    // The size is counted: two parts complete the chord.
    const gid = byIndex[0]!.headers.group!;
    const part = (taskId: string, i: number) => ({
      taskId,
      groupIndex: i,
      status: 'SUCCESS',
      result: i,
    });
    expect(await fx.backend.chordPartReturned(gid, part('x', 1))).toEqual({
      complete: false,
      firstFailure: false,
    });
    const done = await fx.backend.chordPartReturned(gid, part('y', 0));
    expect(done.complete && done.parts.map((p) => p.result)).toEqual([0, 1]);
  });

  it('refuses a chord without a chord-capable backend, naming the problem', async () => {
    await using fx = new Fixture();
    const client = fx.makeClient({ backend: undefined as never });
    const c = chord([signature({ task: 'a' })], signature({ task: 'b' }));
    await expect(client.send(c)).rejects.toBeInstanceOf(ChordsUnsupportedError);
    const rpcLike = {
      ...fx.backend,
      kind: 'rpc',
      setChordSize: undefined,
      chordPartReturned: undefined,
    };
    const rpc = fx.makeClient({ backend: rpcLike as never });
    await expect(rpc.send(c)).rejects.toThrow(/rpc:\/\/ result backend/);
  });

  it('map, starmap and chunks are celery.map / celery.starmap messages', async () => {
    await using fx = new Fixture();
    await fx.client.send(map(signature({ task: 'proj.sq' }), [1, 2]));
    const { task } = await fx.takeTask();
    expect(task.headers.task).toBe('celery.map');
    expect(task.kwargs).toMatchObject({ task: { task: 'proj.sq' }, it: [1, 2] });
    const g = await fx.client.send(
      chunks(
        signature({ task: 'proj.add' }),
        [
          [1, 1],
          [2, 2],
          [3, 3],
        ],
        2,
      ),
    );
    expect(g.results).toHaveLength(2);
  });

  it('link adds a callback to the signature options', () => {
    const sig = link(signature({ task: 'a' }), signature({ task: 'b' }));
    expect(sig.options.link).toEqual([signature({ task: 'b' })]);
  });

  it('compresses over compressAbove and refuses over maxMessageBytes', async () => {
    await using fx = new Fixture();
    const big = 'x'.repeat(100_000);
    const small = fx.makeClient({ compressAbove: 64 * 1024 });
    await small.sendTask('proj.echo', [big]);
    const { delivery, task } = await fx.takeTask();
    expect(delivery.message.headers['compression']).toBe('application/x-gzip');
    expect(task.args).toEqual([big]);
    const capped = fx.makeClient({ maxMessageBytes: 50_000 });
    const error = await capped.sendTask('proj.echo', [big]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect(String((error as Error).message)).toMatch(/over the 50000-byte limit/);
  });

  it('types: a chain only compiles when each result fits the next first argument', () => {
    const fx = new Fixture();
    const a = fx.client.task(add);
    const t = fx.client.task(tsum);
    const g = fx.client.task(greet);
    chain(a.s(1, 2), a.s(3), a.s(4));
    chain(a.s(1, 2), a.si(3, 4), g.si('x'));
    // @ts-expect-error greet takes a string, add returns a number
    chain(a.s(1, 2), g.s());
    // @ts-expect-error add.s(3, 4) has all its arguments: nothing to take the result
    chain(a.s(1, 2), a.s(3, 4));
    chord(group(a.si(1, 1), a.si(2, 2)), t.s());
    // @ts-expect-error the body must take the header's number results
    chord(group(a.si(1, 1), a.si(2, 2)), g.s());
    const piped = chain(a.s(1, 2)).pipe(a.s(5));
    // @ts-expect-error pipe checks too
    piped.pipe(g.s());
    void fx[Symbol.asyncDispose]();
  });
});
