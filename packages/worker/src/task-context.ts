/**
 * What a task handler sees of its execution: ids, retries, headers, an AbortSignal, and
 * the calls that change its fate (`retry`) or report progress (`updateState`).
 */
import type { Logger } from './logger.js';
import type { SignatureJson } from '@celeriac/protocol';
import { MaxRetriesExceededError, Replace, Retry } from './errors.js';

/** Options of {@link TaskContext.retry}. */
export interface RetryOptions {
  /** Seconds from now; default the task's `defaultRetryDelay` (180). */
  countdown?: number;
  /** Absolute time of the retry; wins over `countdown`. */
  eta?: Date;
  /** The error behind the retry: stored with RETRY, re-thrown when retries run out. */
  exc?: unknown;
  /** Overrides the task's `maxRetries` for this call; `null` retries forever. */
  maxRetries?: number | null;
}

/** Where the message came from. */
export interface DeliveryInfo {
  exchange: string;
  routingKey: string;
  priority: number;
  redelivered: boolean;
}

/**
 * The execution context given to a task handler as its first argument; `K` types the
 * keyword arguments when the task has a contract.
 */
export interface TaskContext<K extends Record<string, unknown> = Record<string, unknown>> {
  /** This task's id (the same across retries). */
  readonly taskId: string;
  /** The registered task name. */
  readonly name: string;
  /** How many times this task was retried before this run. */
  readonly retries: number;
  /** Id of the first task of the workflow. */
  readonly rootId: string | null;
  /** Id of the task that sent this one. */
  readonly parentId: string | null;
  /** Id of the group this task belongs to. */
  readonly groupId: string | null;
  /** All message headers, including custom ones from `apply_async(headers=…)`. */
  readonly headers: Readonly<Record<string, unknown>>;
  /** Keyword arguments of the message (Python's `**kwargs`), validated with a contract. */
  readonly kwargs: Readonly<K>;
  /** The node name of the worker running the task. */
  readonly hostname: string;
  /** Exchange, routing key, priority and redelivery flag of the message. */
  readonly deliveryInfo: DeliveryInfo;
  /**
   * Fires on soft time limit (reason `SoftTimeLimitExceeded`), revoke with terminate
   * (`TaskRevokedError`) and cold shutdown. Pass it to fetch, timers and child calls.
   */
  readonly signal: AbortSignal;
  /**
   * Retry this task later: re-published with the same id, `retries + 1` and an ETA. Always
   * throws — a {@link Retry} marker the worker turns into the RETRY state, or, when the
   * retries ran out, `exc` (→ FAILURE) or {@link MaxRetriesExceededError}. Write
   * `throw ctx.retry(...)` or `return ctx.retry(...)` to make the control flow obvious.
   */
  retry(options?: RetryOptions): never;
  /**
   * Replace this task with `signature` (a task or a canvas; Celery's `Task.replace`):
   * always throws a {@link Replace} marker; the worker then sends the replacement, whose
   * final task takes this task's id, chord, group and callbacks, followed by the rest of
   * this task's chain. Write `return ctx.replace(...)`.
   */
  replace(signature: SignatureJson): never;
  /** Store a custom state (e.g. `PROGRESS`) with `meta` as its result. */
  updateState(state: string, meta?: unknown): Promise<void>;
  /** The worker's logger, with this task's name and id in every line. */
  readonly log: Logger;
}

/**
 * Inputs of {@link createTaskContext}. `now` and `updateState` are called on this object
 * (`init.now()`), so a caller may give methods of its own class instead of closures.
 */
export interface TaskContextInit {
  taskId: string;
  name: string;
  retries: number;
  rootId: string | null;
  parentId: string | null;
  groupId: string | null;
  headers: Record<string, unknown>;
  kwargs: Record<string, unknown>;
  hostname: string;
  deliveryInfo: DeliveryInfo;
  signal: AbortSignal;
  log: Logger;
  now: () => number;
  maxRetries: number | null;
  defaultRetryDelay: number;
  updateState: (state: string, meta: unknown) => Promise<void>;
}

/**
 * Build the context of one execution: a plain object whose members are all its own, as a
 * handler may spread it (`{ ...ctx }`) or take a call off it (`const { retry } = ctx`).
 * (Accessors that would make the AbortSignal only when read cost more than they save:
 * an object literal with a getter, or own accessors defined per context, is a slower
 * object; measured with the allocation profile of the memory worker bench.)
 */
export function createTaskContext(init: TaskContextInit): TaskContext {
  return {
    taskId: init.taskId,
    name: init.name,
    retries: init.retries,
    rootId: init.rootId,
    parentId: init.parentId,
    groupId: init.groupId,
    headers: init.headers,
    kwargs: init.kwargs,
    hostname: init.hostname,
    deliveryInfo: init.deliveryInfo,
    signal: init.signal,
    log: init.log,
    updateState(state: string, meta?: unknown): Promise<void> {
      return init.updateState(state, meta ?? null);
    },
    replace,
    retry(options: RetryOptions = {}): never {
      const maxRetries = options.maxRetries !== undefined ? options.maxRetries : init.maxRetries;
      if (maxRetries !== null && init.retries >= maxRetries) {
        // Celery re-raises the caller's exception as is, whatever it is.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (options.exc !== undefined) throw options.exc;
        throw new MaxRetriesExceededError(init.name, init.taskId, maxRetries);
      }
      const when =
        options.eta !== undefined
          ? options.eta.getTime()
          : init.now() + (options.countdown ?? init.defaultRetryDelay) * 1000;
      // Celery prints the countdown as given (0.5 stays 0.5); to the millisecond here.
      const inSeconds = Math.max(0, Math.round(when - init.now()) / 1000);
      throw new Retry(
        options.exc instanceof Error
          ? `Retry in ${inSeconds}s: ${options.exc.name}(${JSON.stringify(options.exc.message)})`
          : `Retry in ${inSeconds}s`,
        options.exc,
        when,
      );
    },
  };
}

/** `ctx.replace`: needs nothing of the run, so one function serves every context. */
function replace(signature: SignatureJson): never {
  throw new Replace(signature);
}
