/**
 * Celery's builtin tasks, so the canvases that publish them run on a celeriac worker:
 * `celery.map(task, it)` and `celery.starmap(task, it)` run the named task's handler in
 * this process on each item (as Celery calls the task function, without messages), and
 * `celery.accumulate(*args, index=None)` returns its `index`-th argument (or them all) —
 * the chord body `ctx.replace(group)` uses; `celery.chunks(task, it, n)` sends the group
 * of `celery.starmap` chunks Celery's `chunks.apply_chunks` sends (its result is `null`:
 * wait on the group's tasks). A task registered under one of these names by the
 * application wins.
 */
import { chunks } from '@celeriac/client';
import { decodeSignature, type SignatureJson } from '@celeriac/protocol';
import { NotRegistered } from '../errors.js';
import type { TaskImplementation } from '../implement-task.js';
import type { TaskContext } from '../task-context.js';

/** Names of the builtins (Celery's). */
export const BuiltinTask = {
  map: 'celery.map',
  starmap: 'celery.starmap',
  chunks: 'celery.chunks',
  accumulate: 'celery.accumulate',
} as const;
/** One of the values of {@link BuiltinTask}. */
export type BuiltinTask = (typeof BuiltinTask)[keyof typeof BuiltinTask];

/**
 * The builtins; `lookup` finds the application's implementations by name, `send`
 * publishes a canvas as a follow-up of the running task.
 */
export function builtinTasks(
  lookup: (name: string) => TaskImplementation | undefined,
  send: (ctx: TaskContext, canvas: SignatureJson) => Promise<void>,
): TaskImplementation[] {
  const apply = async (
    ctx: TaskContext,
    args: unknown[],
    kwargs: Record<string, unknown>,
    spread: boolean,
  ): Promise<unknown[]> => {
    // Positional as Celery's `xmap(task, it)`, or as keywords (`{task, it}`) as sent.
    const [task = kwargs['task'], items = kwargs['it']] = args;
    const sig = decodeSignature(task, 'task');
    const implementation = lookup(sig.task);
    if (!implementation) throw new NotRegistered(sig.task);
    const out: unknown[] = [];
    for (const item of (items ?? []) as unknown[]) {
      const itemArgs = spread ? [...(item as unknown[])] : [item];
      out.push(await implementation.invoke(ctx, itemArgs, {}));
    }
    return out;
  };
  return [
    { name: BuiltinTask.map, options: {}, invoke: (ctx, a, k) => apply(ctx, a, k, false) },
    { name: BuiltinTask.starmap, options: {}, invoke: (ctx, a, k) => apply(ctx, a, k, true) },
    {
      name: BuiltinTask.chunks,
      options: {},
      invoke: async (ctx, args, kwargs) => {
        const [task = kwargs['task'], items = kwargs['it'], n = kwargs['n']] = args;
        const sig = decodeSignature(task, 'task');
        await send(ctx, chunks(sig, items as unknown[][], Number(n)));
        return null;
      },
    },
    {
      name: BuiltinTask.accumulate,
      options: {},
      invoke: (_ctx, args, kwargs) => {
        const index = kwargs['index'];
        return Promise.resolve(typeof index === 'number' ? args.at(index) : args);
      },
    },
  ];
}
