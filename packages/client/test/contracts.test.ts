import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineTask, ValidationError } from '@celeriac/protocol';
import type { AsyncResult, TaskSignature } from '@celeriac/client';
import { Fixture } from './support.js';

const add = defineTask('proj.add', {
  args: z.tuple([z.number(), z.number()]),
  result: z.number(),
});

const email = defineTask({
  name: 'shop.send_email',
  args: z.tuple([z.string().email(), z.string()]),
  kwargs: z.object({ lang: z.enum(['en', 'fr']).optional() }),
  result: z.object({ messageId: z.string() }),
  options: { queue: 'email', priority: 5, timeLimit: 15, softTimeLimit: 10, expires: 60 },
});

describe('typed producers from task contracts', () => {
  it('delay publishes the arguments and types the result', async () => {
    await using fx = new Fixture();
    const result = await fx.client.task(add).delay(2, 3);
    expectTypeOf(result).toEqualTypeOf<AsyncResult<number>>();
    const { task } = await fx.takeTask();
    expect(task.headers.task).toBe('proj.add');
    expect(task.args).toEqual([2, 3]);
    await fx.storeResult({ taskId: result.id, status: 'SUCCESS', result: 5 });
    const sum = await result.get({ timeoutMs: 1000 });
    expectTypeOf(sum).toEqualTypeOf<number>();
    expect(sum).toBe(5);
  });

  it('wrong argument types do not compile; wrong values throw ValidationError before publishing', async () => {
    await using fx = new Fixture();
    const producer = fx.client.task(add);
    // @ts-expect-error a string where the contract says number
    const bad = producer.delay(2, 'three');
    const error = await bad.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]!.path).toBe('args[1]');
    // @ts-expect-error too few arguments
    await expect(producer.delay(2)).rejects.toBeInstanceOf(ValidationError);

    const mail = fx.client.task(email);
    await expect(mail.applyAsync(['not-an-address', 'welcome'])).rejects.toThrow(
      /Invalid arguments for task shop.send_email: args\[0\]/,
    );
    // @ts-expect-error a kwarg outside the enum
    await expect(mail.applyAsync(['a@b.co', 'x'], { lang: 'de' })).rejects.toThrow(/kwargs.lang/);
    expect(await fx.transport.queueLength('celery')).toBe(0);
    expect(await fx.transport.queueLength('email')).toBe(0);
  });

  it("the contract's options are defaults under the call's options", async () => {
    await using fx = new Fixture({ routes: { 'shop.*': 'routed' } });
    const mail = fx.client.task(email);
    await mail.applyAsync(['a@b.co', 'welcome'], { lang: 'fr' });
    const { delivery, task } = await fx.takeTask('email');
    expect(task.kwargs).toEqual({ lang: 'fr' });
    expect(task.headers.timelimit).toEqual([15, 10]);
    expect(delivery.message.properties.priority).toBe(5);
    expect(delivery.message.properties.expiration).toBe('60000');
    await mail.applyAsync(['a@b.co', 'welcome'], {}, { queue: 'other', priority: 1 });
    const { delivery: other } = await fx.takeTask('other');
    expect(other.message.properties.priority).toBe(1);
  });

  it('a result that breaks the contract rejects get() with ValidationError', async () => {
    await using fx = new Fixture();
    const result = await fx.client.task(add).delay(1, 1);
    await fx.storeResult({ taskId: result.id, status: 'SUCCESS', result: 'two' });
    await expect(result.get({ timeoutMs: 1000 })).rejects.toThrow(
      /Invalid result of task proj.add: result: expected number/,
    );
  });

  it('s() and si(): signatures typed by the contract, sent as link callbacks', async () => {
    await using fx = new Fixture();
    const producer = fx.client.task(add);
    const partial = producer.s(10);
    const full = producer.si(1, 2);
    expectTypeOf(partial).toEqualTypeOf<TaskSignature<number, number>>();
    // @ts-expect-error three arguments for a two-argument task
    producer.s(1, 2, 3);
    expect(() => producer.si(1, Number.NaN)).toThrow(ValidationError);
    expect(partial).toEqual({
      task: 'proj.add',
      args: [10],
      kwargs: {},
      options: {},
      subtask_type: null,
      immutable: false,
    });
    expect(full.immutable).toBe(true);
    const withOptions = producer.signature([5], {}, { countdown: 3, queue: 'q', linkError: full });
    expect(withOptions.options).toEqual({ countdown: 3, queue: 'q', link_error: full });

    await producer.applyAsync([1, 2], {}, { link: [partial, full] });
    const { task } = await fx.takeTask();
    expect(task.embed.callbacks).toEqual([partial, full]);
  });

  it('sendSignature sends a signature with its options, prepending the parent result', async () => {
    await using fx = new Fixture();
    const producer = fx.client.task(add);
    const sig = producer.signature([5], {}, { queue: 'math', taskId: 'pre-id', timeLimit: 9 });
    const result = await fx.client.sendSignature<number>(sig, { args: [37], parentId: 'p' });
    expect(result.id).toBe('pre-id');
    const { task } = await fx.takeTask('math');
    expect(task.args).toEqual([37, 5]);
    expect(task.headers).toMatchObject({ id: 'pre-id', parentId: 'p', timelimit: [9, null] });
    await fx.client.sendSignature(producer.si(1, 1), { args: [99] });
    const { task: immutable } = await fx.takeTask();
    expect(immutable.args).toEqual([1, 1]);
  });
});
