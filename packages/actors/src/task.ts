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

/** What a task's `run` receives. */
export interface TaskContext<R extends ResourceMap, T extends string> {
  /** The actor's acquired resources, typed from its declaration. */
  readonly resources: Readonly<R>;
  /** Fires when the actor stops, restarts or crashes; stop work promptly when it does. */
  readonly signal: AbortSignal;
  /** Input given by the previous task's `next(…, input)` or by `actor.run(task, input)`. */
  readonly input: unknown;
  /** 1 on the first run of this step, 2 on its first retry, … */
  readonly attempt: number;
  /** The actor running the task. */
  readonly actor: ActorRef<R, T>;
  /** Names the task to run after this one; return its result from `run`. */
  next(this: void, task: T | 'idle', input?: unknown): NextTask<T>;
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

/** One declared task. */
export interface TaskSpec<R extends ResourceMap, T extends string> {
  /**
   * The task's work. Return `next('other')` to continue with another task (or the same
   * one, to loop), anything else to go `idle` (that value resolves `actor.run()`).
   * Throwing crashes the actor, unless `retry` allows another attempt.
   */
  run(ctx: TaskContext<R, T>): unknown;
  /**
   * Health levels in which the task may start; otherwise it waits in `<task>.waiting`
   * until health allows. Default: every level.
   */
  readonly allowedIn?: readonly Health[];
  /** Retries with exponential backoff on the system's clock. Default: none. */
  readonly retry?: RetryPolicy;
}

/** The `tasks` field of a definition. */
export type TaskSpecs<R extends ResourceMap, T extends string> = {
  readonly [K in T]: TaskSpec<R, T>;
};

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
