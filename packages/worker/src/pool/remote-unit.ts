/**
 * The `threads` and `processes` pools' unit: a worker thread or a child process that
 * imported the app itself (`unit-main.ts`) and runs one request at a time. The worker
 * keeps the hard time limit: past it — and on terminate or a cold shutdown — the unit is
 * ended (the thread terminated, the process sent SIGKILL, or terminate's signal), which
 * stops even a synchronous loop, and its executor is replaced. After each task the unit
 * reports its memory (a child's RSS, a thread's V8 heap): past `maxMemoryPerChild`, or
 * after `maxTasksPerChild` tasks, it is spent and replaced too. A unit that exits on its
 * own (a crash, `process.exit`, out of memory, a signal from elsewhere) is lost: its task
 * gets a `lost` outcome (WorkerLostError) and its executor crashes and is restarted.
 * Celery's builtin tasks (`celery.*`, which send canvases) run in the worker itself.
 */
import { constants } from 'node:os';
import { UnitStartError } from '../errors.js';
import type { TaskRequest } from '../pipeline/request.js';
import { deliveryInfoOf } from '../pipeline/request.js';
import type { TimeLimits } from '../task-options.js';
import { HandlerRun, RequestLogger, type HandlerDeps } from './handler-run.js';
import { outcomeOfEnd, type EndReason, type ExecutionOutcome } from './outcome.js';
import { openProcess, openThread, type UnitChannel } from './unit-channel.js';
import { decodeOutcome, type FromUnit } from './unit-messages.js';
import { PoolKind, type Execution, type Unit } from './unit.js';

/** Options of {@link startRemoteUnit}. */
export interface RemoteUnitOptions {
  readonly kind: typeof PoolKind.threads | typeof PoolKind.processes;
  readonly appModule: string;
  readonly execArgv: readonly string[];
  readonly maxTasksPerChild: number | undefined;
  /** KiB. */
  readonly maxMemoryPerChild: number | undefined;
  readonly deps: HandlerDeps;
  /** Task names run in the worker itself (Celery's builtins). */
  readonly local: ReadonlySet<string>;
}

/** How long a process asked to end by a signal other than SIGKILL gets before SIGKILL. */
const KILL_GRACE_MS = 2_000;

interface Running {
  readonly request: TaskRequest;
  readonly resolve: (outcome: ExecutionOutcome) => void;
  readonly timer: unknown;
}

/** Start a unit; resolves once it imported the app, rejects with {@link UnitStartError}. */
export function startRemoteUnit(options: RemoteUnitOptions, signal: AbortSignal): Promise<Unit> {
  return new Promise<Unit>((resolve, reject) => {
    let unit: RemoteUnit;
    try {
      unit = new RemoteUnit(options, (error) => {
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve(unit);
        else reject(error);
      });
    } catch (error) {
      // e.g. a Node flag a worker thread does not accept (ERR_WORKER_INVALID_EXEC_ARGV).
      const reason = error instanceof Error ? error.message : String(error);
      reject(new UnitStartError(`The ${options.kind} unit could not start: ${reason}`));
      return;
    }
    const onAbort = () => {
      unit.kill();
      reject(new UnitStartError(`The ${options.kind} unit was stopped while it started`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

class RemoteUnit implements Unit {
  readonly kind: RemoteUnitOptions['kind'];
  #pid = 0;
  #threadId = 0;
  readonly #options: RemoteUnitOptions;
  readonly #channel: UnitChannel;
  #started: ((error?: Error) => void) | undefined;
  #running: Running | undefined;
  #local: HandlerRun | undefined;
  #current: TaskRequest | undefined;
  #tasks = 0;
  #spent: string | undefined;
  #lost: string | undefined;
  /** Ended by the worker on purpose: its exit is no loss. */
  #ending = false;

  constructor(options: RemoteUnitOptions, started: (error?: Error) => void) {
    this.kind = options.kind;
    this.#options = options;
    this.#started = started;
    const open = options.kind === PoolKind.threads ? openThread : openProcess;
    this.#channel = open({
      appModule: options.appModule,
      execArgv: options.execArgv,
      onMessage: (message) => this.#onMessage(message),
    });
    void this.#channel.exited.then((how) => this.#onExit(how));
  }

  get pid(): number {
    return this.#pid;
  }

  get threadId(): number {
    return this.#threadId;
  }

  get current(): TaskRequest | undefined {
    return this.#current;
  }

  get busy(): boolean {
    return this.#running !== undefined || this.#local?.settled === false;
  }

  get spent(): string | undefined {
    return this.#spent ?? (this.#local?.abandoned ? 'a builtin task was abandoned' : undefined);
  }

  get lost(): string | undefined {
    return this.#lost;
  }

  /** Tasks it ran (`inspect stats` writes). */
  get tasks(): number {
    return this.#tasks;
  }

  execute(execution: Execution, limits: TimeLimits): Promise<ExecutionOutcome> {
    const { request, task } = execution;
    this.#current = request;
    if (this.#options.local.has(request.name)) {
      const run = new HandlerRun(this.#options.deps, request, task, limits);
      this.#local = run;
      run.start();
      return run.promise;
    }
    const deps = this.#options.deps;
    const options = task.options;
    // Gone before the run was handed over (its executor crashes and is replaced).
    if (this.#lost !== undefined) {
      return Promise.resolve({ kind: 'lost', reason: this.#lost, shutdown: false });
    }
    return new Promise<ExecutionOutcome>((resolve) => {
      const hard = limits.hard;
      const timer =
        hard === null
          ? undefined
          : deps.clock.setTimeout(
              () => this.end({ kind: 'time-limit', seconds: hard }),
              hard * 1000,
            );
      this.#running = { request, resolve, timer };
      this.#channel.send({
        type: 'run',
        taskId: request.id,
        name: request.name,
        args: request.args,
        kwargs: request.kwargs,
        retries: request.retries,
        rootId: request.rootId,
        parentId: request.parentId,
        groupId: request.groupId,
        headers: request.headers,
        hostname: deps.hostname,
        deliveryInfo: deliveryInfoOf(request),
        soft: limits.soft,
        policy: {
          maxRetries: options.maxRetries,
          defaultRetryDelay: options.defaultRetryDelay,
          retryBackoff: options.retryBackoff,
          retryBackoffMax: options.retryBackoffMax,
          retryJitter: options.retryJitter,
        },
      });
    });
  }

  end(reason: EndReason): boolean {
    if (this.#local?.settled === false) return this.#local.end(reason);
    const running = this.#finish();
    if (running === undefined) return false;
    this.#spent = `its task was ended (${describe(reason)})`;
    this.kill(reason.kind === 'terminated' ? signalOf(reason.signal) : 'SIGKILL');
    running.resolve(outcomeOfEnd(reason));
    return true;
  }

  /** End the thread or process now (`signal` for a process, then SIGKILL after a grace). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#ending = true;
    const channel = this.#channel;
    if (channel.gone) return;
    channel.kill(signal);
    if (signal !== 'SIGKILL' && this.kind === PoolKind.processes) {
      const timer = setTimeout(() => channel.kill('SIGKILL'), KILL_GRACE_MS);
      void channel.exited.then(() => clearTimeout(timer));
    }
  }

  async close(): Promise<void> {
    if (!this.#channel.gone) this.kill(this.#running ? 'SIGKILL' : 'SIGTERM');
    await this.#channel.exited;
  }

  #finish(): Running | undefined {
    const running = this.#running;
    if (running === undefined) return undefined;
    this.#running = undefined;
    if (running.timer !== undefined) this.#options.deps.clock.clearTimeout(running.timer);
    return running;
  }

  #onMessage(message: FromUnit): void {
    switch (message.type) {
      case 'ready':
        this.#pid = message.pid;
        this.#threadId = message.threadId;
        this.#started?.();
        this.#started = undefined;
        return;
      case 'start-failed':
        this.kill();
        this.#started?.(
          new UnitStartError(`The ${this.kind} unit could not start: ${message.message}`),
        );
        this.#started = undefined;
        return;
      case 'log':
        this.#options.deps.logger[message.level](message.message, message.fields);
        return;
      case 'state':
        this.#store(message.seq, message.state, message.meta);
        return;
      case 'done': {
        const running = this.#finish();
        if (running === undefined) return;
        this.#tasks++;
        const { maxTasksPerChild, maxMemoryPerChild } = this.#options;
        if (maxTasksPerChild !== undefined && this.#tasks >= maxTasksPerChild) {
          this.#spent = `it ran ${this.#tasks} task(s) (max tasks per child)`;
        } else if (maxMemoryPerChild !== undefined && message.memoryKiB > maxMemoryPerChild) {
          this.#spent =
            `it uses ${message.memoryKiB} KiB, over the max memory per child ` +
            `(${maxMemoryPerChild} KiB)`;
        }
        running.resolve(decodeOutcome(message.outcome));
        return;
      }
    }
  }

  #store(seq: number, state: string, meta: unknown): void {
    const request = this.#running?.request;
    if (request === undefined) return;
    this.#options.deps.storeState(request, state, meta).then(
      () => this.#channel.send({ type: 'stored', seq }),
      (error: unknown) =>
        this.#channel.send({
          type: 'stored',
          seq,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  }

  #onExit(how: string): void {
    const what = `the ${this.kind === PoolKind.threads ? 'thread' : 'process'} ${
      this.kind === PoolKind.threads ? this.#threadId : this.#pid
    } ${how}`;
    if (this.#started) {
      this.#started(new UnitStartError(`The ${this.kind} unit could not start: ${what}`));
      this.#started = undefined;
      return;
    }
    if (this.#ending) return;
    this.#lost = what;
    const running = this.#finish();
    if (running === undefined) return;
    new RequestLogger(this.#options.deps.logger, running.request).error(
      `Unit lost mid-task: ${what}`,
    );
    running.resolve({ kind: 'lost', reason: what, shutdown: false });
  }
}

/**
 * The signal `revoke(terminate=True, signal=…)` names, as Celery reads it (`SIGKILL`,
 * `KILL`, or a number); SIGTERM, Celery's default, when it names none this system knows.
 */
export function signalOf(name: string): NodeJS.Signals {
  const known = constants.signals as Record<string, number>;
  const upper = name.trim().toUpperCase();
  if (/^\d+$/.test(upper)) {
    const found = Object.keys(known).find((key) => known[key] === Number(upper));
    return (found ?? 'SIGTERM') as NodeJS.Signals;
  }
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return (full in known ? full : 'SIGTERM') as NodeJS.Signals;
}

function describe(reason: EndReason): string {
  switch (reason.kind) {
    case 'terminated':
      return `terminated with ${reason.signal}`;
    case 'time-limit':
      return `hard time limit of ${reason.seconds}s`;
    case 'lost':
      return reason.reason;
  }
}
