/**
 * An executor: the unit of concurrency. It runs one request at a time —
 * `idle → executing.<task> → idle` — and reports what it ran. In the actor tree each
 * executor is an actor under the pool supervisor; this is its behaviour.
 */
import type { ExecutionResult } from './execute-request.js';
import { runRequest } from './run-request.js';
import type { WorkerRuntime } from './runtime.js';
import type { RegisteredTask } from './task-registry.js';
import type { TaskRequest } from './task-request.js';

/** Executor states. `executing` carries the task name (`executing.<task>`). */
export type ExecutorState =
  | { readonly value: 'idle' }
  | { readonly value: 'executing'; readonly task: string; readonly taskId: string }
  | { readonly value: 'abandoned' };

/** Observer of executor transitions (the executor actor, tests). */
export type ExecutorListener = (executor: Executor, state: ExecutorState) => void;

/** Runs requests one at a time. */
export class Executor {
  /** Index in the pool, stable across replacements. */
  readonly slot: number;
  /** Generation: incremented each time the slot's executor is replaced. */
  readonly generation: number;
  #state: ExecutorState = { value: 'idle' };
  #current: TaskRequest | null = null;
  readonly #rt: WorkerRuntime;
  readonly #listener: ExecutorListener | undefined;

  constructor(rt: WorkerRuntime, slot: number, generation: number, listener?: ExecutorListener) {
    this.#rt = rt;
    this.slot = slot;
    this.generation = generation;
    this.#listener = listener;
  }

  /** Current state. */
  get state(): ExecutorState {
    return this.#state;
  }

  /** The request executing now, if any. */
  get current(): TaskRequest | null {
    return this.#current;
  }

  /** Run `request`; resolves when it is finished (or abandoned). Only when idle. */
  async run(request: TaskRequest, task: RegisteredTask): Promise<ExecutionResult> {
    if (this.#state.value !== 'idle') {
      throw new Error(`Executor ${this.slot} is ${this.#state.value}; it cannot take a task`);
    }
    this.#current = request;
    const result = await runRequest(this.#rt, task, request, () =>
      this.#transition({ value: 'executing', task: request.name, taskId: request.id }),
    );
    this.#current = null;
    // A handler left running (hard time limit, terminate) still holds this executor's
    // promise chain: the executor is retired and the pool puts a fresh one in its slot.
    this.#transition(result.abandoned ? { value: 'abandoned' } : { value: 'idle' });
    return result;
  }

  #transition(state: ExecutorState): void {
    this.#state = state;
    this.#listener?.(this, state);
  }
}
