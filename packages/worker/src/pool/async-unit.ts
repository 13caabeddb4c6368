/**
 * The `async` pool's unit: a slot in the worker's own event loop. A handler ended from
 * outside (hard time limit, terminate, cold shutdown) is abandoned — its signal aborted,
 * its outcome recorded — and the slot is spent, so its executor is replaced and never
 * shares its life with a handler that may still be running. JavaScript cannot stop code
 * that ignores its signal, and synchronous code blocks the whole worker until it returns:
 * CPU-bound tasks belong on the threads or processes pool.
 */
import type { TaskRequest } from '../pipeline/request.js';
import type { TimeLimits } from '../task-options.js';
import { HandlerRun, type HandlerDeps } from './handler-run.js';
import type { EndReason, ExecutionOutcome } from './outcome.js';
import { PoolKind, type Execution, type Unit } from './unit.js';

/** A slot of the async pool. */
export class AsyncUnit implements Unit {
  readonly kind = PoolKind.async;
  readonly pid = process.pid;
  readonly threadId = 0;
  readonly lost = undefined;
  readonly #deps: HandlerDeps;
  #run: HandlerRun | undefined;
  #request: TaskRequest | undefined;

  constructor(deps: HandlerDeps) {
    this.#deps = deps;
  }

  get current(): TaskRequest | undefined {
    return this.#request;
  }

  get busy(): boolean {
    return this.#run?.settled === false;
  }

  get spent(): string | undefined {
    return this.#run?.abandoned
      ? `the handler of ${this.#request!.name}[${this.#request!.id}] was abandoned and may ` +
          'still run (the async pool cannot stop it; use the threads or processes pool for ' +
          'tasks that must be stopped)'
      : undefined;
  }

  execute(execution: Execution, limits: TimeLimits): Promise<ExecutionOutcome> {
    const run = new HandlerRun(this.#deps, execution.request, execution.task, limits);
    this.#run = run;
    this.#request = execution.request;
    run.start();
    return run.promise;
  }

  end(reason: EndReason): boolean {
    return this.#run?.end(reason) ?? false;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
