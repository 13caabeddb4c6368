/**
 * Task contracts: a task's name plus zod schemas of its arguments, keyword arguments and
 * result, shared by the producer (typed `delay(1, 2)`, result parsed on arrival) and the
 * consumer (arguments validated before the handler runs). The contract is the only thing
 * both sides import; the wire stays plain Celery JSON, so a producer without the contract
 * can still send the task by name and a Python client can call it.
 */
import { z } from 'zod';
import { ValidationError, type ValidationIssue } from './errors.js';

/** A schema of positional arguments: usually `z.tuple([...])`. */
export type ArgsSchema = z.ZodType<readonly unknown[]>;
/** A schema of keyword arguments: usually `z.object({...})`. */
export type KwargsSchema = z.ZodType<Record<string, unknown>>;

/** Defaults a contract suggests for sending and running the task. */
export interface TaskContractOptions {
  /** Queue to route to (Celery's `queue`). */
  queue?: string;
  exchange?: string;
  routingKey?: string;
  /** 0..9 (RabbitMQ: higher first; Redis: lower first). */
  priority?: number;
  /** Acknowledge after the task finished instead of before it starts. */
  acksLate?: boolean;
  /** Retries before giving up; `null` = forever. Celery's default is 3. */
  maxRetries?: number | null;
  /** Seconds between retries when none is given; Celery's default is 180. */
  defaultRetryDelay?: number;
  /** Celery rate limit string: `"10/s"`, `"100/m"`, `"5/h"`. */
  rateLimit?: string;
  /** Hard time limit in seconds. */
  timeLimit?: number;
  /** Soft time limit in seconds. */
  softTimeLimit?: number;
  /** Seconds after sending when the task expires. */
  expires?: number;
  /** The worker stores no result. */
  ignoreResult?: boolean;
}

/** The schemas and options of a contract. */
export interface TaskContractSpec<
  A extends ArgsSchema = ArgsSchema,
  K extends KwargsSchema = KwargsSchema,
  R extends z.ZodType = z.ZodType,
> {
  /** Positional arguments; default any list. */
  args?: A;
  /** Keyword arguments; default any object. */
  kwargs?: K;
  /** The return value; default anything JSON. */
  result?: R;
  options?: TaskContractOptions;
}

/** A typed task contract. */
export interface TaskContract<
  TArgs extends readonly unknown[] = unknown[],
  TKwargs extends Record<string, unknown> = Record<string, unknown>,
  TResult = unknown,
> {
  /** The registered task name, e.g. `proj.add`. */
  readonly name: string;
  readonly schemas: {
    readonly args: z.ZodType<TArgs>;
    readonly kwargs: z.ZodType<TKwargs>;
    readonly result: z.ZodType<TResult>;
  };
  readonly options: Readonly<TaskContractOptions>;
  /**
   * Validate arguments as they came off the wire (or before sending). Returns the parsed
   * values (zod transforms and defaults applied) or throws a {@link ValidationError}
   * listing every issue with its path, e.g. `args[1]: expected number, received string`.
   */
  parseArgs(args: unknown, kwargs?: unknown): { args: TArgs; kwargs: TKwargs };
  /** Validate a result value; throws {@link ValidationError} with `result…` paths. */
  parseResult(value: unknown): TResult;
}

/** Positional argument types of a contract. */
export type ArgsOf<C> =
  C extends TaskContract<infer A, Record<string, unknown>, unknown> ? A : never;
/** Keyword argument type of a contract. */
export type KwargsOf<C> = C extends TaskContract<readonly unknown[], infer K, unknown> ? K : never;
/** Result type of a contract. */
export type ResultOf<C> =
  C extends TaskContract<readonly unknown[], Record<string, unknown>, infer R> ? R : never;

function pathText(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** zod issues as {@link ValidationIssue}s rooted at `root`. */
export function zodIssues(root: string, error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: pathText(root, issue.path),
    message: issue.message.replace(/^Invalid input: /, ''),
  }));
}

type Spec<A extends ArgsSchema, K extends KwargsSchema, R extends z.ZodType> = TaskContractSpec<
  A,
  K,
  R
>;
type ContractOf<A extends ArgsSchema, K extends KwargsSchema, R extends z.ZodType> = TaskContract<
  z.output<A>,
  z.output<K>,
  z.output<R>
>;

/**
 * Define a task contract: `defineTask('proj.add', { args: z.tuple([z.number(), z.number()]),
 * result: z.number() })`. The object form `defineTask({ name: 'proj.add', … })` is the same.
 */
export function defineTask<
  A extends ArgsSchema = z.ZodArray<z.ZodUnknown>,
  K extends KwargsSchema = z.ZodRecord<z.ZodString, z.ZodUnknown>,
  R extends z.ZodType = z.ZodUnknown,
>(name: string, spec?: Spec<A, K, R>): ContractOf<A, K, R>;
export function defineTask<
  A extends ArgsSchema = z.ZodArray<z.ZodUnknown>,
  K extends KwargsSchema = z.ZodRecord<z.ZodString, z.ZodUnknown>,
  R extends z.ZodType = z.ZodUnknown,
>(spec: Spec<A, K, R> & { name: string }): ContractOf<A, K, R>;
export function defineTask(
  nameOrSpec: string | (TaskContractSpec & { name: string }),
  maybeSpec: TaskContractSpec = {},
): TaskContract<readonly unknown[], Record<string, unknown>, unknown> {
  const spec = typeof nameOrSpec === 'string' ? maybeSpec : nameOrSpec;
  const name = typeof nameOrSpec === 'string' ? nameOrSpec : nameOrSpec.name;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError('defineTask: a task needs a non-empty name');
  }
  const schemas = {
    args: spec.args ?? z.array(z.unknown()),
    kwargs: spec.kwargs ?? z.record(z.string(), z.unknown()),
    result: spec.result ?? z.unknown(),
  };
  return {
    name,
    schemas,
    options: Object.freeze({ ...spec.options }),
    parseArgs(args: unknown, kwargs: unknown = {}) {
      const a = schemas.args.safeParse(args);
      const k = schemas.kwargs.safeParse(kwargs);
      const issues = [
        ...(a.success ? [] : zodIssues('args', a.error)),
        ...(k.success ? [] : zodIssues('kwargs', k.error)),
      ];
      if (issues.length > 0 || !a.success || !k.success) {
        throw new ValidationError(`Invalid arguments for task ${name}`, issues);
      }
      return { args: a.data, kwargs: k.data };
    },
    parseResult(value: unknown) {
      const r = schemas.result.safeParse(value);
      if (!r.success) {
        throw new ValidationError(`Invalid result of task ${name}`, zodIssues('result', r.error));
      }
      return r.data;
    },
  };
}
