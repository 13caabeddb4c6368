/**
 * Runs an actor's tasks, one step at a time (the `activity` region allows one), and its
 * health probe. The statechart decides what runs next; this module only runs a step and
 * tells the machine the step's outcome: the next task, `idle`, or retry.
 */
import type { ActorInstance } from './actor.js';
import { backoffDelay } from './backoff.js';
import {
  ActorDefinitionError,
  ActorInterruptedError,
  HealthCheckError,
  RestartIntensityError,
  TaskFailedError,
} from './errors.js';
import type { LifecycleEvent } from './machine.js';
import { RETRY } from './machine.js';
import type { ResourceMap } from './resource.js';
import { isNextTask, nextTask, sleepOn } from './task.js';
import type { TaskContext, TaskSpec } from './task.js';

interface RunWaiter {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The task state of one actor: attempts, inputs, the step in flight. */
export class TaskRunner<R extends ResourceMap, T extends string> {
  readonly #actor: ActorInstance<R, T>;
  #task: T | undefined;
  #attempt = 0;
  #retrying = false;
  #input: unknown;
  #nextInput: unknown;
  #inflight: Promise<unknown> | undefined;
  #waiter: RunWaiter | undefined;

  constructor(actor: ActorInstance<R, T>) {
    this.#actor = actor;
  }

  /** A fresh start: no retry pending, no input carried over. */
  reset(): void {
    this.#retrying = false;
    this.#attempt = 0;
    this.#nextInput = undefined;
  }

  /** `actor.run(task, input)`: the next step gets `input`; resolves when the chain idles. */
  expect(input: unknown): Promise<unknown> {
    this.#nextInput = input;
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Runs one step of `task`; resolves to the next state name for the machine. */
  run(task: T, signal: AbortSignal): Promise<string> {
    const spec = (this.#actor.definition.spec.tasks as Record<string, TaskSpec<R, T>>)[task]!;
    if (!this.#retrying || this.#task !== task) {
      this.#attempt = 0;
      this.#input = this.#nextInput;
      this.#nextInput = undefined;
    }
    this.#task = task;
    this.#retrying = false;
    const attempt = ++this.#attempt;
    const actor = this.#actor;
    const ctx: TaskContext<R, T> = {
      resources: actor.resources,
      signal,
      input: this.#input,
      attempt,
      actor,
      next: nextTask,
      sleep: (ms) => sleepOn(actor.core.clock, ms, signal),
    };
    // Called synchronously (as XState's promise actors do), so the step sees its signal
    // before anything else can abort it.
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(spec.run(ctx));
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass the task's error through as thrown
      work = Promise.reject(error);
    }
    this.#inflight = work;
    return work.then(
      (result) => this.#done(task, result, attempt),
      (error: unknown) => this.#failed(task, spec, attempt, error, signal),
    );
  }

  #done(task: T, result: unknown, attempt: number): string {
    if (!isNextTask(result)) {
      this.#settle(result);
      return 'idle';
    }
    if (result.task !== 'idle' && !this.#actor.definition.taskNames.includes(result.task as T)) {
      const cause = new ActorDefinitionError(`next task "${result.task}" is not declared`);
      throw new TaskFailedError(this.#actor.path, task, attempt, cause);
    }
    this.#nextInput = result.input;
    if (result.task === 'idle') this.#settle(undefined);
    return result.task;
  }

  #failed(
    task: T,
    spec: TaskSpec<R, T>,
    attempt: number,
    error: unknown,
    signal: AbortSignal,
  ): string {
    // The step was cancelled: its state is gone already, so whatever it reports is moot.
    if (signal.aborted) return 'idle';
    if (error instanceof RestartIntensityError) throw error;
    if (spec.retry !== undefined && attempt <= spec.retry.maxRetries) {
      this.#retrying = true;
      this.#actor.reportError(error);
      return RETRY;
    }
    throw new TaskFailedError(this.#actor.path, task, attempt, error);
  }

  #settle(value: unknown): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(value);
  }

  /** The backoff before the pending retry. */
  retryDelay(): number {
    const spec = (this.#actor.definition.spec.tasks as Record<string, TaskSpec<R, T>>)[this.#task!];
    const policy = spec?.retry?.backoff ?? { initialMs: 0 };
    return backoffDelay(policy, this.#attempt - 1, this.#actor.core.random, 0);
  }

  /** Rejects a pending `actor.run()` because the actor is leaving `started`. */
  interrupt(by: string): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(new ActorInterruptedError(this.#actor.path, 'run', by));
  }

  /** Waits for the step in flight (its signal has fired) to finish. */
  async drain(): Promise<void> {
    this.interrupt('stop');
    const inflight = this.#inflight;
    this.#inflight = undefined;
    await inflight?.catch(() => undefined);
  }
}

/**
 * Runs the definition's health check every `intervalMs` on the system clock while the
 * actor is started (skipping while paused); a changed result becomes a `health` event, a
 * throw becomes a crash. Returns the synchronous cleanup XState calls on leaving `started`.
 */
export function startHealthProbe(
  actor: ActorInstance,
  send: (event: LifecycleEvent) => void,
): () => void {
  const healthCheck = actor.definition.spec.healthCheck!;
  const clock = actor.core.clock;
  const abort = new AbortController();
  let timer: unknown;
  let live = true;
  const schedule = (): void => {
    timer = clock.setTimeout(tick, healthCheck.intervalMs);
  };
  const tick = (): void => {
    timer = undefined;
    if (actor.health === undefined) {
      schedule();
      return;
    }
    Promise.resolve()
      .then(() => healthCheck.check({ resources: actor.resources, signal: abort.signal }))
      .then(
        (health) => {
          if (!live) return;
          const current = actor.health;
          if (current !== undefined && current !== health) send({ type: 'health', health });
          schedule();
        },
        (error: unknown) => {
          if (live) send({ type: 'crash', error: new HealthCheckError(actor.path, error) });
        },
      );
  };
  schedule();
  return () => {
    live = false;
    abort.abort();
    if (timer !== undefined) clock.clearTimeout(timer);
  };
}
