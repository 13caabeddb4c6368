/**
 * Errors the worker raises or records. Each has a stable `code`; those Celery knows by
 * name also carry `excModule`, so the result stored for a Python client names the class
 * Python would import (`celery.exceptions.Retry`, …).
 */
import { CeleriacError, type SignatureJson } from '@celeriac/protocol';

/** Stable codes of {@link WorkerError} subclasses. */
export const WorkerErrorCode = {
  retry: 'ERR_TASK_RETRY',
  replace: 'ERR_TASK_REPLACE',
  maxRetriesExceeded: 'ERR_MAX_RETRIES_EXCEEDED',
  reject: 'ERR_TASK_REJECT',
  illegalState: 'ERR_WORKER_STATE',
  stopped: 'ERR_WORKER_STOPPED',
  brokerConnection: 'ERR_BROKER_CONNECTION',
  unitStart: 'ERR_UNIT_START',
  nestingTooDeep: 'ERR_NESTING_TOO_DEEP',
  duplicateTask: 'ERR_DUPLICATE_TASK',
  invalidOption: 'ERR_INVALID_OPTION',
} as const;
/** One of the values of {@link WorkerErrorCode}. */
export type WorkerErrorCode = (typeof WorkerErrorCode)[keyof typeof WorkerErrorCode];

/** Base class of the errors `@celeriac/worker` throws on purpose. */
export class WorkerError extends CeleriacError<WorkerErrorCode> {}

/**
 * Thrown by `ctx.retry()` after the task was re-published: it ends the current
 * execution, which the worker records as RETRY (Celery's `celery.exceptions.Retry`).
 * Handlers must let it propagate; catching it swallows the retry's bookkeeping.
 */
export class Retry extends WorkerError {
  /** Python module of the class, for the stored exception. */
  readonly excModule = 'celery.exceptions';
  /** The error that caused the retry, when one was given. */
  readonly exc: unknown;
  /** When the retry is due (unix ms). */
  readonly when: number;
  constructor(message: string, exc: unknown, when: number) {
    super(WorkerErrorCode.retry, message, exc === undefined ? undefined : { cause: exc });
    this.exc = exc;
    this.when = when;
  }
}

/**
 * Thrown by `ctx.replace(signature)`: it ends the current execution, and the worker
 * sends `signature` in the task's place (Celery's `Task.replace`, which raises `Ignore`).
 * Handlers must let it propagate.
 */
export class Replace extends WorkerError {
  /** Python module of the class Celery raises (`Ignore`), for logs. */
  readonly excModule = 'celery.exceptions';
  /** The signature (or canvas) that takes over. */
  readonly signature: SignatureJson;
  constructor(signature: SignatureJson) {
    super(WorkerErrorCode.replace, `Replaced by new task ${signature.task}`);
    this.signature = signature;
  }
}

/** A task asked to retry more than `maxRetries` times and gave no error to re-throw. */
export class MaxRetriesExceededError extends WorkerError {
  readonly excModule = 'celery.exceptions';
  constructor(taskName: string, taskId: string, maxRetries: number) {
    super(
      WorkerErrorCode.maxRetriesExceeded,
      `Can't retry ${taskName}[${taskId}] args:... kwargs:... (max retries ${maxRetries} exceeded)`,
    );
  }
}

/**
 * Throw from a handler to reject the message (Celery's `Reject`): with `requeue` it goes
 * back to its queue, otherwise it is dropped or dead-lettered. No result is stored.
 */
export class Reject extends WorkerError {
  readonly excModule = 'celery.exceptions';
  /** Put the message back in its queue. */
  readonly requeue: boolean;
  constructor(reason: string, options?: { requeue?: boolean }) {
    super(WorkerErrorCode.reject, reason);
    this.requeue = options?.requeue ?? false;
  }
}

/** A worker method was called in a state that does not allow it. */
export class WorkerStateError extends WorkerError {
  /** The worker state at the time of the call. */
  readonly state: string;
  constructor(action: string, state: string) {
    super(WorkerErrorCode.illegalState, `Cannot ${action}: the worker is ${state}`);
    this.state = state;
  }
}

/** `stop()` was called before `start()` finished (e.g. SIGTERM while connecting). */
export class WorkerStoppedError extends WorkerError {
  constructor(hostname: string) {
    super(WorkerErrorCode.stopped, `${hostname} was stopped before it finished starting`);
  }
}

/**
 * The broker stayed unreachable at start-up: every attempt the worker was allowed
 * (`brokerConnectionRetry`) failed. The message is one line: what failed, where (the
 * URL as the transport names it, without password) and how often it was tried.
 */
export class BrokerConnectionError extends WorkerError {
  /** Connection attempts made. */
  readonly attempts: number;
  constructor(reason: string, attempts: number, options?: { cause?: unknown }) {
    super(
      WorkerErrorCode.brokerConnection,
      attempts === 1
        ? `Cannot connect to the broker: ${reason}`
        : `Cannot connect to the broker after ${attempts} attempts: ${reason}`,
      options,
    );
    this.attempts = attempts;
  }
}

/** A thread or process unit of the pool could not start (its app module did not load). */
export class UnitStartError extends WorkerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(WorkerErrorCode.unitStart, message, options);
  }
}

/**
 * A message whose callbacks, errbacks, chain or chord nest deeper than the worker can
 * send on; it is refused on receipt (FAILURE stored, message rejected) instead of being
 * run and its follow-ups lost.
 */
export class NestingTooDeepError extends WorkerError {
  readonly excModule = 'celery.exceptions';
  constructor(depth: number, limit: number) {
    super(
      WorkerErrorCode.nestingTooDeep,
      `the message's link/errback/chain/chord nesting is at least ${depth} levels deep; ` +
        `this worker sends follow-ups nested up to ${limit} levels, so it refused the task ` +
        'before running it',
    );
  }
}

/** Two implementations were registered under one task name. */
export class DuplicateTaskError extends WorkerError {
  constructor(name: string) {
    super(WorkerErrorCode.duplicateTask, `Task ${JSON.stringify(name)} is registered twice`);
  }
}

/** An option value is malformed (a rate limit such as "10/x", a negative limit, …). */
export class InvalidOptionError extends WorkerError {
  constructor(option: string, reason: string) {
    super(WorkerErrorCode.invalidOption, `${option}: ${reason}`);
  }
}

/**
 * Celery's `billiard.exceptions.WorkerLostError`: the unit running the task (a thread,
 * a child process, or the worker itself at a cold shutdown) went away mid-task.
 */
export class WorkerLostError extends Error {
  /** Python module of the class, for the stored exception. */
  readonly excModule = 'billiard.exceptions';
  constructor(reason: string) {
    super(`Worker exited prematurely: ${reason}.`);
    this.name = 'WorkerLostError';
  }
}

/**
 * Base of the errors Celery knows by class: they carry the Python identity a result
 * needs (`excType`, `excModule`, `excArgs`), read by the protocol's exception encoder.
 */
export class CeleryException extends Error {
  /** Python module of the class. */
  readonly excModule: string;
  /** The exception's Python `args`. */
  readonly excArgs: unknown[];
  constructor(excModule: string, args: unknown[], message: string) {
    super(message);
    this.name = new.target.name;
    this.excModule = excModule;
    this.excArgs = args;
  }
}

/** A message named a task this worker does not have (`celery.exceptions.NotRegistered`). */
export class NotRegistered extends CeleryException {
  constructor(taskName: string) {
    super(
      'celery.exceptions',
      [taskName],
      `Task of kind ${JSON.stringify(taskName)} is not registered`,
    );
  }
}

/** The task was revoked, expired or terminated (`celery.exceptions.TaskRevokedError`). */
export class TaskRevokedError extends CeleryException {
  /** `revoked`, `expired` or `terminated`. */
  readonly reason: string;
  constructor(reason: 'revoked' | 'expired' | 'terminated') {
    super('celery.exceptions', [reason], reason);
    this.reason = reason;
  }
}

/** The hard time limit passed (`billiard.exceptions.TimeLimitExceeded(seconds)`). */
export class TimeLimitExceeded extends CeleryException {
  constructor(seconds: number) {
    super('billiard.exceptions', [seconds], `TimeLimitExceeded(${seconds})`);
  }
}

/**
 * The soft time limit passed: the reason `ctx.signal` aborts with. Catch it to clean up
 * (`billiard.exceptions.SoftTimeLimitExceeded()`, raised without arguments).
 */
export class SoftTimeLimitExceeded extends CeleryException {
  /** The limit, in seconds. */
  readonly seconds: number;
  constructor(seconds: number) {
    super('billiard.exceptions', [], `SoftTimeLimitExceeded(${seconds})`);
    this.seconds = seconds;
  }
}
