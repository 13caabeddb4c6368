/**
 * The `async` pool: N executors sharing the event loop, for I/O-bound tasks. An
 * executor whose handler was abandoned (hard time limit, terminate) is replaced by a
 * fresh one in the same slot. `threads` and `processes` pools are not implemented yet.
 */
import type { ExecutorPool } from './dispatcher.js';
import { PoolNotSupportedError } from './errors.js';
import { abandonRequest, type AbandonReason, type ExecutionResult } from './execute-request.js';
import { Executor, type ExecutorListener } from './executor.js';
import type { WorkerRuntime } from './runtime.js';
import type { RegisteredTask } from './task-registry.js';
import type { TaskRequest } from './task-request.js';

/** Pool kinds. Only `async` exists today. */
export const PoolKind = {
  async: 'async',
  threads: 'threads',
  processes: 'processes',
} as const;
/** One of the values of {@link PoolKind}. */
export type PoolKind = (typeof PoolKind)[keyof typeof PoolKind];

/** Throws {@link PoolNotSupportedError} for pools that are not implemented yet. */
export function assertPoolSupported(kind: PoolKind): void {
  if (kind !== PoolKind.async) throw new PoolNotSupportedError(kind);
}

/** Options of {@link AsyncPool}. */
export interface AsyncPoolOptions {
  concurrency: number;
  /** Called after each request finished (the dispatcher pumps the next one). */
  onFinished: (request: TaskRequest, result: ExecutionResult) => void;
  /** Called when an executor is replaced in its slot. */
  onReplaced?: (slot: number, generation: number) => void;
  /** Executor transitions. */
  listener?: ExecutorListener;
}

/** N executors in the event loop. */
export class AsyncPool implements ExecutorPool {
  readonly #rt: WorkerRuntime;
  readonly #options: AsyncPoolOptions;
  readonly #executors: Executor[];
  readonly #running = new Set<Promise<unknown>>();
  #replacements = 0;

  constructor(rt: WorkerRuntime, options: AsyncPoolOptions) {
    this.#rt = rt;
    this.#options = options;
    this.#executors = Array.from(
      { length: options.concurrency },
      (_, slot) => new Executor(rt, slot, 0, options.listener),
    );
  }

  /** Number of executors. */
  get concurrency(): number {
    return this.#executors.length;
  }

  /** Executors replaced so far (after abandoned handlers). */
  get replacements(): number {
    return this.#replacements;
  }

  /** Idle executors. */
  get idle(): number {
    return this.#executors.filter((e) => e.state.value === 'idle').length;
  }

  /** The executors, by slot. */
  executors(): readonly Executor[] {
    return this.#executors;
  }

  /** Requests executing now. */
  active(): TaskRequest[] {
    return this.#executors.flatMap((e) => (e.current ? [e.current] : []));
  }

  /** Start `request` on an idle executor. */
  execute(request: TaskRequest, task: RegisteredTask): void {
    const executor = this.#executors.find((e) => e.state.value === 'idle');
    if (!executor) throw new Error('No idle executor: the dispatcher must check `idle` first');
    const run = executor.run(request, task).then(
      (result) => {
        if (result.abandoned) this.#replace(executor);
        this.#options.onFinished(request, result);
      },
      (error: unknown) => {
        this.#rt.logger.error('Executor failed outside a task', {
          task: request.name,
          id: request.id,
          error: error instanceof Error ? error.message : String(error),
        });
        this.#replace(executor);
      },
    );
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }

  /** Cut short every running request (cold shutdown, or terminate by id). */
  abandon(reason: AbandonReason, taskId?: string): number {
    let count = 0;
    for (const request of this.active()) {
      if (taskId !== undefined && request.id !== taskId) continue;
      if (abandonRequest(request, reason)) count++;
    }
    return count;
  }

  /** Resolves when no request is running. */
  async whenIdle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #replace(executor: Executor): void {
    const next = new Executor(
      this.#rt,
      executor.slot,
      executor.generation + 1,
      this.#options.listener,
    );
    this.#executors[executor.slot] = next;
    this.#replacements++;
    this.#options.onReplaced?.(executor.slot, next.generation);
  }
}
