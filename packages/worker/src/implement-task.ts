/**
 * Task implementations: a handler bound to a protocol task contract — whose zod schemas
 * validate the arguments before the handler sees them, and its result after — or to a
 * bare task name, with the task's options.
 */
import type { ArgsOf, KwargsOf, ResultOf, TaskContract } from '@celeriac/protocol';
import type { TaskContext } from './task-context.js';
import type { TaskOptions } from './task-options.js';

/** What the registry holds for one task name. */
export interface TaskImplementation {
  /** The registered name, e.g. `proj.add`. */
  readonly name: string;
  /** Per-task options (over the worker's `taskDefaults`). */
  readonly options: TaskOptions;
  /**
   * Validate `args`/`kwargs`, run the handler, validate its result. Validation failures
   * throw the protocol's `ValidationError` (a FAILURE that is never retried).
   */
  invoke(ctx: TaskContext, args: unknown[], kwargs: Record<string, unknown>): Promise<unknown>;
}

/** A handler: the context, then the positional arguments. */
export type TaskHandler<
  TArgs extends readonly unknown[] = unknown[],
  TResult = unknown,
  TKwargs extends Record<string, unknown> = Record<string, unknown>,
> = (ctx: TaskContext<TKwargs>, ...args: TArgs) => TResult | Promise<TResult>;

/** Options of {@link implementTask}: the task options (over the contract's). */
export type ImplementTaskOptions = TaskOptions;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any contract
type AnyContract = TaskContract<any, any, any>;

/** The options a contract suggests for running its task. */
function contractOptions(contract: AnyContract): TaskOptions {
  const o = contract.options;
  const out: TaskOptions = {};
  if (o.acksLate !== undefined) out.acksLate = o.acksLate;
  if (o.maxRetries !== undefined) out.maxRetries = o.maxRetries;
  if (o.defaultRetryDelay !== undefined) out.defaultRetryDelay = o.defaultRetryDelay;
  if (o.rateLimit !== undefined) out.rateLimit = o.rateLimit;
  if (o.timeLimit !== undefined) out.timeLimit = o.timeLimit;
  if (o.softTimeLimit !== undefined) out.softTimeLimit = o.softTimeLimit;
  if (o.ignoreResult !== undefined) out.ignoreResult = o.ignoreResult;
  return out;
}

/**
 * Implement a task.
 *
 * With a contract, the handler's arguments, `ctx.kwargs` and return value are typed from
 * its schemas and checked at runtime: arguments that do not match never reach the
 * handler (FAILURE `ValidationError` listing each issue's path); the result is parsed too.
 *
 * @example
 * ```ts
 * const add = defineTask('proj.add', { args: z.tuple([z.number(), z.number()]), result: z.number() });
 * const impl = implementTask(add, async (ctx, a, b) => a + b, { acksLate: true });
 * const echo = implementTask('proj.echo', async (ctx, ...args) => args);
 * ```
 */
export function implementTask<C extends AnyContract>(
  contract: C,
  handler: TaskHandler<ArgsOf<C>, ResultOf<C>, KwargsOf<C>>,
  options?: ImplementTaskOptions,
): TaskImplementation;
export function implementTask<TArgs extends unknown[] = unknown[], TResult = unknown>(
  name: string,
  handler: TaskHandler<TArgs, TResult>,
  options?: ImplementTaskOptions,
): TaskImplementation;
export function implementTask(
  nameOrContract: string | AnyContract,
  handler: TaskHandler<readonly unknown[], unknown, Record<string, unknown>>,
  options: ImplementTaskOptions = {},
): TaskImplementation {
  if (typeof nameOrContract === 'string') {
    return {
      name: nameOrContract,
      options,
      // Not an async wrapper: an async handler's own promise is returned as is (one
      // frame and one promise less per task); a throw still becomes a rejection.
      invoke: (ctx, args) => {
        try {
          return Promise.resolve(handler(ctx, ...args));
        } catch (error) {
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the handler's error as thrown
          return Promise.reject(error);
        }
      },
    };
  }
  const contract = nameOrContract;
  return {
    name: contract.name,
    options: { ...contractOptions(contract), ...options },
    invoke: async (ctx, args, kwargs) => {
      const parsed: { args: readonly unknown[]; kwargs: Record<string, unknown> } =
        contract.parseArgs(args, kwargs);
      const result = await handler({ ...ctx, kwargs: parsed.kwargs }, ...parsed.args);
      return contract.parseResult(result) as unknown;
    },
  };
}
