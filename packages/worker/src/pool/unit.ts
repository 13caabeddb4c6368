/**
 * A unit of concurrency: what one executor owns as its resource and runs its tasks on.
 * The `async` pool's unit is a slot in the worker's own event loop, the `threads` pool's
 * a `worker_threads` Worker, the `processes` pool's a child process. Ending a unit (a
 * hard time limit, terminate, cold shutdown, max tasks or memory per child) means its
 * executor is replaced; a unit that dies on its own crashes its executor.
 */
import type { Context } from '@opentelemetry/api';
import type { RegisteredTask } from '../pipeline/task-registry.js';
import type { TaskRequest } from '../pipeline/request.js';
import type { TimeLimits } from '../task-options.js';
import type { EndReason, ExecutionOutcome } from './outcome.js';

/** Pool kinds (Celery's `-P`). */
export const PoolKind = {
  /** In the worker's event loop: for I/O-bound tasks; cannot stop synchronous code. */
  async: 'async',
  /** One `worker_threads` Worker per executor. */
  threads: 'threads',
  /** One child process per executor (`child_process.fork`). */
  processes: 'processes',
} as const;
/** One of the values of {@link PoolKind}. */
export type PoolKind = (typeof PoolKind)[keyof typeof PoolKind];

/** The message an executor receives: one request to run. */
export interface Execution {
  readonly request: TaskRequest;
  readonly task: RegisteredTask;
  /** The trace context the handler runs in (the request's CONSUMER span). */
  readonly context: Context;
}

/** One unit of concurrency. */
export interface Unit {
  readonly kind: PoolKind;
  /** PID of the process running its handlers (the worker's own for async and threads). */
  readonly pid: number;
  /** Thread id (threads), else 0. */
  readonly threadId: number;
  /** The request it runs or ran last; meaningful while its executor is busy. */
  readonly current: TaskRequest | undefined;
  /** Whether a task runs on it now. */
  readonly busy: boolean;
  /**
   * Why it must be replaced before it takes another task (ended from outside, its max
   * tasks or memory reached), or undefined.
   */
  readonly spent: string | undefined;
  /** Why it died on its own (crashed, exited, killed by someone else), or undefined. */
  readonly lost: string | undefined;
  /** Run one execution; resolves with its outcome, never rejects. */
  execute(execution: Execution, limits: TimeLimits): Promise<ExecutionOutcome>;
  /** End the running execution from outside; false when nothing runs. */
  end(reason: EndReason): boolean;
  /** Stop the unit (terminate the thread, end the child); idempotent. */
  close(): Promise<void>;
}

/**
 * Thrown by an executor whose unit died on its own mid-task: the executor crashes, its
 * supervisor replaces it, and the pool reads the task's outcome from the crash.
 */
export class UnitLostError extends Error {
  readonly outcome: ExecutionOutcome;
  constructor(path: string, reason: string, outcome: ExecutionOutcome) {
    super(`The unit of ${path} was lost: ${reason}`);
    this.name = 'UnitLostError';
    this.outcome = outcome;
  }
}
