/**
 * Task implementations: a handler bound to a task name (or a protocol contract, whose
 * zod schemas validate the arguments before the handler sees them), with its options.
 */
import type { TaskContext } from './task-context.js';
import type { TaskOptions } from './task-options.js';

/** What the registry holds for one task name. */
export interface TaskImplementation {
  /** The registered name, e.g. `proj.add`. */
  readonly name: string;
  /** Per-task options (over the worker's `taskDefaults`). */
  readonly options: TaskOptions;
  /**
   * Validate `args`/`kwargs` and run the handler. Validation failures throw the
   * protocol's `ValidationError` (a non-retryable FAILURE).
   */
  invoke(ctx: TaskContext, args: unknown[], kwargs: Record<string, unknown>): Promise<unknown>;
}

/** A handler: the context, then the positional arguments. */
export type TaskHandler<TArgs extends unknown[] = unknown[], TResult = unknown> = (
  ctx: TaskContext,
  ...args: TArgs
) => TResult | Promise<TResult>;

/** Options of {@link implementTask}: the task options. */
export type ImplementTaskOptions = TaskOptions;

/**
 * Bind `handler` to a task name. Arguments arrive as the message carries them (JSON
 * values); keyword arguments are on `ctx.kwargs`.
 */
export function implementTask<TArgs extends unknown[] = unknown[], TResult = unknown>(
  name: string,
  handler: TaskHandler<TArgs, TResult>,
  options: ImplementTaskOptions = {},
): TaskImplementation {
  return {
    name,
    options,
    invoke: async (ctx, args) => handler(ctx, ...(args as TArgs)),
  };
}
