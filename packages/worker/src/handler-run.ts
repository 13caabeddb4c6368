/**
 * A task handler running under its time limits, terminate and cold shutdown: settles with
 * the first of the handler's outcome and an abandonment, and classifies how it ended
 * (success, failure, retry, reject, replace; autoretry).
 */
import { ValidationError } from '@celeriac/protocol';
import {
  Reject,
  Replace,
  Retry,
  SoftTimeLimitExceeded,
  TaskRevokedError,
  TimeLimitExceeded,
  WorkerLostError,
} from './errors.js';
import type { AbandonReason, ExecutionOutcome, ExecutionResult } from './execute-request.js';
import type { Logger, LogFields } from './logger.js';
import type { RegisteredTask } from './task-registry.js';
import { createTaskContext, type TaskContext } from './task-context.js';
import { effectiveTimeLimits, matchesError } from './task-options.js';
import { backoffCountdownMs } from './retry-policy.js';
import { deliveryInfoOf, type TaskRequest } from './task-request.js';
import type { WorkerRuntime } from './runtime.js';

/** Running handlers by request, for terminate, time limits and cold shutdown. */
const abandoners = new WeakMap<TaskRequest, HandlerRun>();

/** Cut the running handler of `request` short; false if none is running. */
export function abandonRun(request: TaskRequest, reason: AbandonReason): boolean {
  const run = abandoners.get(request);
  if (!run) return false;
  run.abandon(reason);
  return true;
}

/**
 * The handler under its time limits and terminate: settles with the first of the
 * handler's outcome and an abandonment. One object and one promise per execution, no
 * closures made per run; timers only when a limit is set.
 */
export class HandlerRun {
  readonly promise: Promise<ExecutionResult>;
  readonly controller = new AbortController();
  readonly #rt: WorkerRuntime;
  readonly #task: RegisteredTask;
  readonly #request: TaskRequest;
  #resolve!: (result: ExecutionResult) => void;
  #settled = false;
  #timers: unknown[] | undefined;
  #ctx: TaskContext | undefined;

  constructor(rt: WorkerRuntime, task: RegisteredTask, request: TaskRequest) {
    this.#rt = rt;
    this.#task = task;
    this.#request = request;
    this.promise = new Promise<ExecutionResult>((resolve) => (this.#resolve = resolve));
  }

  start(): void {
    const rt = this.#rt;
    const request = this.#request;
    const options = this.#task.options;
    abandoners.set(request, this);
    const { hard, soft } = effectiveTimeLimits(request.timeLimit, options);
    if (soft !== null) {
      (this.#timers ??= []).push(
        rt.clock.setTimeout(
          () => this.controller.abort(new SoftTimeLimitExceeded(soft)),
          soft * 1000,
        ),
      );
    }
    if (hard !== null) {
      (this.#timers ??= []).push(
        rt.clock.setTimeout(() => this.abandon({ kind: 'time-limit', seconds: hard }), hard * 1000),
      );
    }
    const ctx = createTaskContext({
      taskId: request.id,
      name: request.name,
      retries: request.retries,
      rootId: request.rootId,
      parentId: request.parentId,
      groupId: request.groupId,
      headers: request.headers,
      kwargs: request.kwargs,
      hostname: rt.hostname,
      deliveryInfo: deliveryInfoOf(request),
      log: new RequestLogger(rt.logger, request),
      signal: this.controller.signal,
      // Methods, not arrows nor bound functions: no function is named per run (a
      // transpiler keeping names, or bind, sets a name on each).
      now() {
        return rt.clock.now();
      },
      maxRetries: options.maxRetries,
      defaultRetryDelay: options.defaultRetryDelay,
      async updateState(state, meta) {
        await rt.results.store(request, state, meta, null);
      },
    });
    this.#ctx = ctx;
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(this.#task.implementation.invoke(ctx, request.args, request.kwargs));
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- classified below as thrown
      work = Promise.reject(error);
    }
    work.then(
      (value) => this.#settle({ outcome: { kind: 'success', value }, abandoned: false }),
      (error: unknown) => this.#failed(error),
    );
  }

  /** Cut the run short (terminate, hard time limit, cold shutdown). */
  abandon(reason: AbandonReason): void {
    if (this.#settled) return;
    this.controller.abort(abortReasonOf(reason, this.#request));
    this.#settle({ outcome: outcomeOf(reason), abandoned: true });
  }

  #failed(error: unknown): void {
    const ctx = this.#ctx!;
    this.#settle({
      outcome: classify(error, this.#task, this.#request, (o) => ctx.retry(o)),
      abandoned: false,
    });
  }

  #settle(result: ExecutionResult): void {
    if (this.#settled) return;
    this.#settled = true;
    const timers = this.#timers;
    if (timers !== undefined) for (const timer of timers) this.#rt.clock.clearTimeout(timer);
    abandoners.delete(this.#request);
    this.#rt.active.delete(this.#request.id);
    this.#resolve(result);
  }
}

function classify(
  error: unknown,
  task: RegisteredTask,
  request: TaskRequest,
  retry: (options?: { countdown?: number; exc?: unknown }) => never,
): ExecutionOutcome {
  if (error instanceof Retry) return { kind: 'retry', retry: error };
  if (error instanceof Reject) return { kind: 'rejected', reject: error };
  if (error instanceof Replace) return { kind: 'replaced', replace: error };
  const options = task.options;
  if (!(error instanceof ValidationError) && matchesError(options.autoretryFor, error)) {
    const backoff = options.retryBackoff;
    const countdown =
      backoff === false
        ? options.defaultRetryDelay
        : backoffCountdownMs({
            factorSeconds: backoff === true ? 1 : backoff,
            retries: request.retries,
            maxSeconds: options.retryBackoffMax,
            jitter: options.retryJitter,
          }) / 1000;
    try {
      retry({ countdown, exc: error });
    } catch (thrown) {
      if (thrown instanceof Retry) return { kind: 'retry', retry: thrown };
      return { kind: 'failure', error: thrown };
    }
  }
  return { kind: 'failure', error };
}

function outcomeOf(reason: AbandonReason): ExecutionOutcome {
  switch (reason.kind) {
    case 'terminated':
      return { kind: 'revoked', reason: 'terminated' };
    case 'time-limit':
      return { kind: 'time-limit', seconds: reason.seconds };
    case 'lost':
      return { kind: 'lost', reason: reason.reason, shutdown: reason.shutdown };
  }
}

function abortReasonOf(reason: AbandonReason, request: TaskRequest): Error {
  switch (reason.kind) {
    case 'terminated':
      return new TaskRevokedError('terminated');
    case 'time-limit':
      return new TimeLimitExceeded(reason.seconds);
    case 'lost':
      return new WorkerLostError(`${reason.reason} (task ${request.name}[${request.id}])`);
  }
}

/** The worker's logger with the task's name and id in every line (one object per task). */
class RequestLogger implements Logger {
  readonly #logger: Logger;
  readonly #task: string;
  readonly #id: string;

  constructor(logger: Logger, request: TaskRequest) {
    this.#logger = logger;
    this.#task = request.name;
    this.#id = request.id;
  }

  debug(message: string, fields?: LogFields): void {
    this.#logger.debug(message, this.#fields(fields));
  }

  info(message: string, fields?: LogFields): void {
    this.#logger.info(message, this.#fields(fields));
  }

  warn(message: string, fields?: LogFields): void {
    this.#logger.warn(message, this.#fields(fields));
  }

  error(message: string, fields?: LogFields): void {
    this.#logger.error(message, this.#fields(fields));
  }

  #fields(fields: LogFields | undefined): LogFields {
    return { task: this.#task, id: this.#id, ...fields };
  }
}
