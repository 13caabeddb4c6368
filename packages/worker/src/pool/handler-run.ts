/**
 * A task handler running in the worker's own event loop (the async pool's unit), under
 * its time limits: the soft limit aborts `ctx.signal`, the hard limit (like terminate and
 * cold shutdown) ends the run. Settles with the first of the handler's outcome and an
 * end from outside. An ended handler cannot be stopped here: it is abandoned (its signal
 * aborted) and its executor replaced; a synchronous CPU-bound handler even blocks the
 * whole worker until it returns, which is why such tasks belong on the threads or
 * processes pool.
 */
import {
  SoftTimeLimitExceeded,
  TaskRevokedError,
  TimeLimitExceeded,
  WorkerLostError,
} from '../errors.js';
import type { WorkerClock } from '../clock.js';
import type { Logger, LogFields } from '../logger.js';
import type { RegisteredTask } from '../pipeline/task-registry.js';
import { deliveryInfoOf, type TaskRequest } from '../pipeline/request.js';
import {
  createTaskContext,
  type DeliveryInfo,
  type TaskContext,
  type TaskContextInit,
} from '../task-context.js';
import type { ResolvedTaskOptions, TimeLimits } from '../task-options.js';
import { classifyError } from './classify.js';
import { outcomeOfEnd, type EndReason, type ExecutionOutcome } from './outcome.js';

/** What a handler run needs from the worker. */
export interface HandlerDeps {
  readonly hostname: string;
  readonly clock: WorkerClock;
  readonly logger: Logger;
  /** Stores a custom state (`ctx.updateState`). */
  readonly storeState: (request: TaskRequest, state: string, meta: unknown) => Promise<void>;
}

/**
 * One execution of a handler. One object and one promise per execution, no closures made
 * per run; timers only when a limit is set.
 */
export class HandlerRun {
  readonly promise: Promise<ExecutionOutcome>;
  readonly #controller = new AbortController();
  readonly #deps: HandlerDeps;
  readonly #task: RegisteredTask;
  readonly #request: TaskRequest;
  readonly #limits: TimeLimits;
  #resolve!: (outcome: ExecutionOutcome) => void;
  #settled = false;
  #abandoned = false;
  #timers: unknown[] | undefined;
  #ctx: TaskContext | undefined;

  constructor(deps: HandlerDeps, request: TaskRequest, task: RegisteredTask, limits: TimeLimits) {
    this.#deps = deps;
    this.#task = task;
    this.#request = request;
    this.#limits = limits;
    this.promise = new Promise<ExecutionOutcome>((resolve) => (this.#resolve = resolve));
  }

  /** Whether it has an outcome. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Whether it was ended from outside while its handler had not returned. */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** Call the handler (its synchronous part runs now). */
  start(): void {
    const deps = this.#deps;
    const request = this.#request;
    const options = this.#task.options;
    const { hard, soft } = this.#limits;
    if (soft !== null) {
      (this.#timers ??= []).push(
        deps.clock.setTimeout(
          () => this.#controller.abort(new SoftTimeLimitExceeded(soft)),
          soft * 1000,
        ),
      );
    }
    if (hard !== null) {
      (this.#timers ??= []).push(
        deps.clock.setTimeout(() => this.end({ kind: 'time-limit', seconds: hard }), hard * 1000),
      );
    }
    const ctx = createTaskContext(
      new RunContextInit(deps, request, options, this.#controller.signal),
    );
    this.#ctx = ctx;
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(this.#task.implementation.invoke(ctx, request.args, request.kwargs));
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- classified below as thrown
      work = Promise.reject(error);
    }
    work.then(
      (value) => this.#settle({ kind: 'success', value }),
      (error: unknown) => this.#failed(error),
    );
  }

  /** End the run from outside (terminate, hard time limit, cold shutdown); false if over. */
  end(reason: EndReason): boolean {
    if (this.#settled) return false;
    this.#abandoned = true;
    this.#controller.abort(abortReasonOf(reason, this.#request));
    this.#settle(outcomeOfEnd(reason));
    return true;
  }

  #failed(error: unknown): void {
    const ctx = this.#ctx!;
    const outcome = classifyError(error, this.#task.options, this.#request.retries, (o) =>
      ctx.retry(o),
    );
    this.#settle(outcome);
  }

  #settle(outcome: ExecutionOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    const timers = this.#timers;
    if (timers !== undefined) for (const timer of timers) this.#deps.clock.clearTimeout(timer);
    this.#resolve(outcome);
  }
}

/**
 * The context inputs of one run, as one object with methods instead of closures made per
 * run (`createTaskContext` calls `init.now()` and `init.updateState()` on it).
 */
class RunContextInit implements TaskContextInit {
  readonly taskId: string;
  readonly name: string;
  readonly retries: number;
  readonly rootId: string | null;
  readonly parentId: string | null;
  readonly groupId: string | null;
  readonly headers: Record<string, unknown>;
  readonly kwargs: Record<string, unknown>;
  readonly hostname: string;
  readonly deliveryInfo: DeliveryInfo;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly maxRetries: number | null;
  readonly defaultRetryDelay: number;
  readonly #deps: HandlerDeps;
  readonly #request: TaskRequest;

  constructor(
    deps: HandlerDeps,
    request: TaskRequest,
    options: ResolvedTaskOptions,
    signal: AbortSignal,
  ) {
    this.taskId = request.id;
    this.name = request.name;
    this.retries = request.retries;
    this.rootId = request.rootId;
    this.parentId = request.parentId;
    this.groupId = request.groupId;
    this.headers = request.headers;
    this.kwargs = request.kwargs;
    this.hostname = deps.hostname;
    this.deliveryInfo = deliveryInfoOf(request);
    this.signal = signal;
    this.log = new RequestLogger(deps.logger, request);
    this.maxRetries = options.maxRetries;
    this.defaultRetryDelay = options.defaultRetryDelay;
    this.#deps = deps;
    this.#request = request;
  }

  now(): number {
    return this.#deps.clock.now();
  }

  updateState(state: string, meta: unknown): Promise<void> {
    return this.#deps.storeState(this.#request, state, meta);
  }
}

function abortReasonOf(reason: EndReason, request: TaskRequest): Error {
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
export class RequestLogger implements Logger {
  readonly #logger: Logger;
  readonly #task: string;
  readonly #id: string;

  constructor(logger: Logger, request: { readonly name: string; readonly id: string }) {
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
