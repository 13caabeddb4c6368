/**
 * Actor tasks: the work an actor does while started. Each declared task becomes a state
 * of the `activity` region (`<task>.waiting | running | retrying`); a task's result names
 * the next task, so loops such as `polling → processing → polling` are just transitions.
 */
import type { ActorRef } from './actor-ref.js';
import type { BackoffPolicy } from './backoff.js';
import type { ResourceMap } from './resource.js';
import type { Health } from './state.js';

const NEXT = Symbol('celeriac.next');

/** The value a task returns to move the activity to another task (or `idle`). */
export interface NextTask<T extends string = string> {
  readonly [NEXT]: true;
  /** The task to run next, or `idle`. */
  readonly task: T | 'idle';
  /** Input for the next task's run. */
  readonly input: unknown;
}

/** Whether a task's return value names the next task. */
export function isNextTask(value: unknown): value is NextTask {
  return typeof value === 'object' && value !== null && NEXT in value;
}

/** Builds a {@link NextTask}. Tasks usually call the `next` they are given instead. */
export function nextTask<T extends string>(task: T | 'idle', input?: unknown): NextTask<T> {
  return { [NEXT]: true, task, input };
}

/**
 * The input type of each task, by task name: what `actor.run(task, input)`,
 * `next(task, input)` and the step's `ctx.input` carry. Inferred from each task's `input`
 * (see {@link TaskSpec.input}); `unknown` for a task that declares none.
 */
export type TaskInputs<T extends string = string> = { readonly [K in T]: unknown };

/**
 * The input argument of `run()` and `next()` for a task whose input is `I`: optional when
 * `I` admits `undefined` (or is `unknown`), required otherwise.
 */
export type InputArgs<I> = undefined extends I ? [input?: I] : [input: I];

/**
 * The arguments of `actor.run()`: one `[task, input]` tuple per task, so each task name
 * goes with its own input type. (A union rather than a generic, so a typed `ActorRef`
 * stays assignable to a plain one.)
 */
export type RunArgs<T extends string, I extends TaskInputs<T>> = {
  [K in T]: undefined extends I[K] ? [task: K, input?: I[K]] : [task: K, input: I[K]];
}[T];

/** The arguments of a step's `next()`: a task with its input, or `idle`. */
export type NextArgs<T extends string, I extends TaskInputs<T>> = RunArgs<T, I> | [task: 'idle'];

/** What a task's `run` receives; `K` is the task being run. */
export interface TaskContext<
  R extends ResourceMap,
  T extends string,
  I extends TaskInputs<T> = TaskInputs<T>,
  K extends keyof I = keyof I,
> {
  /** The actor's acquired resources, typed from its declaration. */
  readonly resources: Readonly<R>;
  /** Fires when the actor stops, restarts or crashes; stop work promptly when it does. */
  readonly signal: AbortSignal;
  /**
   * Input given by the previous task's `next(…, input)` or by `actor.run(task, input)`,
   * after the task's `input` check; typed by it.
   */
  readonly input: I[K];
  /** 1 on the first run of this step, 2 on its first retry, … */
  readonly attempt: number;
  /** The actor running the task. */
  readonly actor: ActorRef<R, T, I>;
  /**
   * Names the task to run after this one, with its input (typed per task); return its
   * result from `run`. `next('idle')` ends the chain.
   */
  next(this: void, ...args: NextArgs<T, I>): NextTask<T>;
  /**
   * Waits `ms` on the actor system's clock; rejects with the signal's reason when the
   * actor stops first. Use it for poll intervals.
   */
  sleep(this: void, ms: number): Promise<void>;
}

/** Retry policy of a task: how often, and how long to wait between attempts. */
export interface RetryPolicy {
  /** Retries after the first failure; the actor crashes when they are used up. */
  readonly maxRetries: number;
  /** Delay between attempts; jitter defaults to 0 for tasks. */
  readonly backoff: BackoffPolicy;
}

/** One declared task; `K` is its name. */
export interface TaskSpec<
  R extends ResourceMap,
  T extends string,
  I extends TaskInputs<T> = TaskInputs<T>,
  K extends keyof I = keyof I,
> {
  /**
   * Checks the task's input and gives it its type: called with the input of `run()` or
   * `next()` before the step starts, its return value is the step's `ctx.input`. Throwing
   * rejects `run()` with {@link InvalidArgumentError} (or crashes the actor whose step
   * called `next()` with bad input). A schema's parse function fits
   * (`input: schema.parse`); {@link taskInput} types without checking. Annotate a
   * hand-written one's parameter, `(value: unknown) => …`, so TypeScript infers from it.
   */
  readonly input?: (value: unknown) => I[K];
  /**
   * The task's work. Return `next('other')` to continue with another task (or the same
   * one, to loop), anything else to go `idle` (that value resolves `actor.run()`).
   * Throwing crashes the actor, unless `retry` allows another attempt.
   */
  run(ctx: TaskContext<R, T, I, K>): unknown;
  /**
   * Health levels in which the task may start; otherwise it waits in `<task>.waiting`
   * until health allows. Default: every level.
   */
  readonly allowedIn?: readonly Health[];
  /** Retries with exponential backoff on the system's clock. Default: none. */
  readonly retry?: RetryPolicy;
}

/**
 * The `tasks` field of a definition. (Written twice over: the first mapped type lets
 * TypeScript infer the task names from the keys even when every `run` needs the context,
 * the second infers each task's input from its `input`.)
 */
export type TaskSpecs<
  R extends ResourceMap,
  T extends string,
  I extends TaskInputs<T> = TaskInputs<T>,
> = { readonly [K in T]: TaskSpec<R, T, I, K> } & { readonly [K in keyof I]: TaskSpec<R, T, I, K> };

/**
 * The `input` of a task whose input needs no check: gives it the type `I` and passes the
 * value through as it is.
 *
 * @example
 * ```ts
 * tasks: { processing: { input: taskInput<string[]>(), run: ({ input }) => input.length } }
 * ```
 */
export function taskInput<I>(): (value: unknown) => I {
  return passThrough as (value: unknown) => I;
}

const passThrough = (value: unknown): unknown => value;

/** Sleeps on a clock, abortably. */
export function sleepOn(
  clock: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void },
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
