import { describe, expect, expectTypeOf, it } from 'vitest';
import { InvalidArgumentError, TaskFailedError, defineActor, taskInput } from '@celeriac/actors';
import type { ActorDefinition, ActorRef } from '@celeriac/actors';
import { harness } from './helpers.js';

/** A parse function as a schema library gives one: checks, then types. */
function stringArray(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new TypeError(`expected an array of strings, got ${JSON.stringify(value)}`);
  }
  return value;
}

function poller(feed: unknown[]) {
  const stored: string[][] = [];
  const def = defineActor({
    name: 'poller',
    resources: { feed: { acquire: () => ({ fetch: () => feed.shift() }) } },
    tasks: {
      polling: {
        run: ({ resources, next }) => next('processing', resources.feed.fetch() as string[]),
      },
      processing: {
        input: stringArray,
        run: ({ input, next }) => {
          expectTypeOf(input).toEqualTypeOf<string[]>();
          stored.push(input);
          return next('counting', { count: input.length });
        },
      },
      counting: {
        input: taskInput<{ count: number }>(),
        run: ({ input }) => input.count,
      },
    },
  });
  return { def, stored };
}

describe('typed task input', () => {
  it('types input per task for run() and next(), inferred from each task’s input', async () => {
    const { def, stored } = poller([['a', 'b']]);
    expectTypeOf(def).toEqualTypeOf<
      ActorDefinition<
        { feed: { fetch: () => unknown } },
        'polling' | 'processing' | 'counting',
        { polling: unknown; processing: string[]; counting: { count: number } }
      >
    >();
    const { system } = harness();
    const a = system.spawn(def, { id: 'p' });
    await a.start();
    await expect(a.run('processing', ['x', 'y', 'z'])).resolves.toBe(3);
    await expect(a.run('polling')).resolves.toBe(2);
    expect(stored).toEqual([
      ['x', 'y', 'z'],
      ['a', 'b'],
    ]);
    // A typed ref still goes where a plain one is expected (a pool's list, a child spec).
    const plain: ActorRef = a;
    expect(plain.path).toBe('/p');
    await a.stop();
  });

  it('rejects a type mismatch at compile time', () => {
    const { def } = poller([]);
    const { system } = harness();
    const a = system.spawn(def, { id: 'p' });
    const check = (): void => {
      // @ts-expect-error -- processing takes string[]
      void a.run('processing', 42);
      // @ts-expect-error -- processing needs its input
      void a.run('processing');
      // @ts-expect-error -- no such task
      void a.run('nope');
      void a.run('counting', { count: 1 });
    };
    expect(check).toBeTypeOf('function');
    defineActor({
      name: 'typo',
      tasks: {
        // @ts-expect-error -- next names an undeclared task
        a: { run: ({ next }) => next('b') },
      },
    });
    defineActor({
      name: 'loop',
      tasks: {
        work: {
          input: taskInput<number>(),
          // @ts-expect-error -- work takes a number
          run: ({ input, next }) => next('work', String(input)),
        },
      },
    });
  });

  it('run() with input the task refuses rejects with InvalidArgumentError; nothing starts', async () => {
    const { def } = poller([]);
    const { system } = harness();
    const a = system.spawn(def, { id: 'p' });
    await a.start();
    const fromTheWire: string[] = JSON.parse('[1]') as string[];
    const error = await a.run('processing', fromTheWire).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(
      'run() of actor /p: input of task "processing" rejected: expected an array of strings, got [1]',
    );
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(a.activity).toBe('idle');
    expect(a.state).toBe('started.running.healthy');
    await a.stop();
  });

  it('next() with input the next task refuses crashes the actor with the step named', async () => {
    const { def } = poller([{ not: 'strings' }]);
    const { system } = harness();
    const a = system.spawn(def, { id: 'p' });
    await a.start();
    await expect(a.run('polling')).rejects.toThrow();
    expect(a.state).toBe('crashed');
    expect(a.crashError).toBeInstanceOf(TaskFailedError);
    expect((a.crashError as Error).message).toBe(
      'Task "polling" of actor /p failed: next() of actor /p: input of task "processing" rejected: expected an array of strings, got {"not":"strings"}',
    );
  });

  it('keeps the untyped form: names only, input unknown', async () => {
    const def = defineActor<Record<never, never>, string>({
      name: 'executor',
      tasks: { 'proj:add': { run: ({ input }) => (input as number) + 1 } },
    });
    const { system } = harness();
    const a = system.spawn(def, { id: 'e' });
    await a.start();
    await expect(a.run('proj:add', 1)).resolves.toBe(2);
    await a.stop();
  });
});
