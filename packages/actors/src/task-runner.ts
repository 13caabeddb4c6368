/**
 * The activity region of one actor — `idle | <task> { waiting → running → retrying }` —
 * interpreted here rather than by XState (see `machine.ts` for why). The lifecycle
 * machine tells the runner when `started` is entered and left and when a health state is
 * entered; the runner moves the region, runs one step at a time, and reports every change
 * through the actor, which turns it into a transition record for hooks, inspectors and
 * the lifetime span only when someone observes. A step of an unobserved actor costs a
 * context object and one promise reaction.
 */
import type { ActorInstance } from './actor.js';
import { backoffDelay } from './backoff.js';
import {
  ActorDefinitionError,
  ActorInterruptedError,
  InvalidArgumentError,
  RestartIntensityError,
  TaskFailedError,
  describe,
} from './errors.js';
import type { ResourceMap } from './resource.js';
import type { ActivityState, Health } from './state.js';
import { isNextTask, nextTask, sleepOn } from './task.js';
import type { TaskContext, TaskSpec } from './task.js';

/** Inspection event names of the activity region's own transitions. */
export const ActivityEvent = {
  /** `actor.run(task)`: `idle → <task>.waiting`. */
  run: 'run',
  /** A step returned: to the next task's `waiting`, or to `idle`. */
  done: 'task.done',
  /** A step threw and its retry policy allows another attempt: `→ <task>.retrying`. */
  failed: 'task.failed',
  /** The retry backoff elapsed: `<task>.retrying → <task>.waiting`. */
  retry: 'task.retry',
} as const;

/** The step a drain gave up waiting for. */
export interface DrainCutShort {
  readonly task: string;
  readonly attempt: number;
  /** The bound that expired. */
  readonly timeoutMs: number;
}

const NOTHING_ABANDONED: Promise<DrainCutShort | undefined> = Promise.resolve(undefined);

/** An input its task's `input` check refused (a class, so no user value is mistaken for it). */
class InputRejected {
  constructor(readonly error: InvalidArgumentError) {}
}

/** The state names of one task, built once per definition. */
interface TaskStates {
  readonly waiting: ActivityState;
  readonly running: ActivityState;
  readonly retrying: ActivityState;
}

const statesByDefinition = new WeakMap<object, Record<string, TaskStates>>();

function statesOf(definition: {
  readonly taskNames: readonly string[];
}): Record<string, TaskStates> {
  let states = statesByDefinition.get(definition);
  if (states === undefined) {
    states = Object.create(null) as Record<string, TaskStates>;
    for (const name of definition.taskNames) {
      states[name] = {
        waiting: `${name}.waiting`,
        running: `${name}.running`,
        retrying: `${name}.retrying`,
      };
    }
    statesByDefinition.set(definition, states);
  }
  return states;
}

/** The task state of one actor: the region's state, attempts, input, the step in flight. */
export class TaskRunner<R extends ResourceMap, T extends string> {
  readonly #actor: ActorInstance<R, T>;
  readonly #specs: Readonly<Record<string, TaskSpec<R, T>>>;
  readonly #states: Record<string, TaskStates>;
  /** Bumped whenever `started` is entered or left: a stale step's outcome is ignored. */
  #epoch = 0;
  #task: T | undefined;
  #attempt = 0;
  #input: unknown;
  #resolve: ((value: unknown) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #inflight: Promise<void> | undefined;
  #inflightTask = '';
  #inflightAttempt = 0;
  /** While a drain waits: moves its deadline earlier (a second, shorter stop). */
  #cut: ((timeoutMs: number) => void) | undefined;
  /** Aborted when `started` is left; shared by the steps of one stay in `started`. */
  #controller: AbortController | undefined;
  #sleep: ((ms: number) => Promise<void>) | undefined;
  #timer: unknown;
  #scheduled = false;
  #cause = '';

  constructor(actor: ActorInstance<R, T>) {
    this.#actor = actor;
    this.#specs = actor.definition.spec.tasks ?? {};
    this.#states = statesOf(actor.definition);
  }

  /** Whether `task` is declared. */
  declares(task: string): boolean {
    return this.#states[task] !== undefined;
  }

  /** `started` entered: the region starts in the initial task (or `idle`). */
  enter(event: string): ActivityState {
    this.#epoch++;
    this.#attempt = 0;
    this.#input = undefined;
    const initial = this.#actor.definition.spec.initialTask;
    if (initial === undefined) return 'idle';
    this.#task = initial;
    // The gate is read once this step is applied (the snapshot is the old one until then).
    this.#schedule(event);
    return this.#states[initial]!.waiting;
  }

  /** `started` left: the step in flight is aborted, a pending retry forgotten. */
  exit(): void {
    this.#epoch++;
    this.#task = undefined;
    this.#scheduled = false;
    if (this.#timer !== undefined) {
      this.#actor.core.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const controller = this.#controller;
    this.#controller = this.#sleep = undefined;
    controller?.abort();
  }

  /** A health state was entered: a waiting task may start once this step is applied. */
  gateChanged(event: string): void {
    if (this.#task !== undefined && this.#actor.activity === this.#states[this.#task]!.waiting) {
      this.#schedule(event);
    }
  }

  /** Starts a waiting task now if its gate opened (after a trigger the actor applied). */
  flush(): void {
    if (this.#scheduled) this.#evaluate();
  }

  /**
   * Checks `input` with the task's `input` function, if it has one: the checked value, or
   * an {@link InvalidArgumentError} naming the trigger and the task.
   */
  #checkInput(task: string, input: unknown, trigger: 'run' | 'next'): unknown {
    const check = this.#specs[task]!.input;
    if (check === undefined) return input;
    try {
      return check(input);
    } catch (error) {
      return new InputRejected(
        new InvalidArgumentError(
          this.#actor.path,
          trigger,
          `input of task "${task}" rejected: ${describe(error)}`,
          error,
        ),
      );
    }
  }

  /** `actor.run(task, input)` from `idle`; resolves when the chain returns to `idle`. */
  run(task: T, input: unknown): Promise<unknown> {
    const checked = this.#checkInput(task, input, 'run');
    if (checked instanceof InputRejected) return Promise.reject(checked.error);
    const done = new Promise<unknown>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#attempt = 0;
    this.#input = checked;
    this.#enterTask(task, ActivityEvent.run);
    return done;
  }

  #schedule(event: string): void {
    this.#cause = event;
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      if (this.#scheduled) this.#evaluate();
    });
  }

  #evaluate(): void {
    this.#scheduled = false;
    const task = this.#task;
    if (task !== undefined && this.#actor.activity === this.#states[task]!.waiting) {
      this.#tryStart(task, this.#cause);
    }
  }

  /** Moves the region; false when reporting the move left `started` (a hook crashed it). */
  #move(to: ActivityState, event: string): boolean {
    const epoch = this.#epoch;
    this.#actor.moveActivity(to, event);
    return this.#epoch === epoch;
  }

  #enterTask(task: T, event: string): void {
    this.#task = task;
    if (this.#move(this.#states[task]!.waiting, event)) this.#tryStart(task, event);
  }

  /** `<task>.waiting → <task>.running` when not paused and health allows. */
  #tryStart(task: T, event: string): void {
    const health = this.#actor.runningHealth();
    if (health === undefined) return;
    const allowedIn: readonly Health[] | undefined = this.#specs[task]!.allowedIn;
    if (allowedIn !== undefined && !allowedIn.includes(health)) return;
    if (this.#move(this.#states[task]!.running, event)) this.#step(task);
  }

  #step(task: T): void {
    const actor = this.#actor;
    const spec = this.#specs[task]!;
    const attempt = ++this.#attempt;
    const epoch = this.#epoch;
    const controller = (this.#controller ??= new AbortController());
    const signal = controller.signal;
    const ctx: TaskContext<R, T> = {
      resources: actor.resources,
      signal,
      input: this.#input,
      attempt,
      actor,
      next: nextTask as TaskContext<R, T>['next'],
      sleep: (this.#sleep ??= (ms) => sleepOn(actor.core.clock, ms, signal)),
    };
    // Called synchronously, so the step sees its signal before anything can abort it.
    let work: unknown;
    try {
      work = spec.run(ctx);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass the task's error through as thrown
      work = Promise.reject(error);
    }
    this.#inflightTask = task;
    this.#inflightAttempt = attempt;
    this.#inflight = Promise.resolve(work).then(
      (result) => {
        if (this.#epoch === epoch) this.#done(task, result, attempt);
      },
      (error: unknown) => {
        if (this.#epoch === epoch) this.#failed(task, spec, attempt, error);
      },
    );
  }

  #done(task: T, result: unknown, attempt: number): void {
    this.#inflight = undefined;
    if (!isNextTask(result)) {
      this.#idle(result);
      return;
    }
    const next = result.task;
    if (next === 'idle') {
      this.#idle(undefined);
    } else if (this.#states[next] === undefined) {
      const cause = new ActorDefinitionError(`next task "${next}" is not declared`);
      this.#actor.crash(new TaskFailedError(this.#actor.path, task, attempt, cause));
    } else {
      const checked = this.#checkInput(next, result.input, 'next');
      if (checked instanceof InputRejected) {
        this.#actor.crash(new TaskFailedError(this.#actor.path, task, attempt, checked.error));
        return;
      }
      this.#attempt = 0;
      this.#input = checked;
      this.#enterTask(next as T, ActivityEvent.done);
    }
  }

  #idle(value: unknown): void {
    this.#task = undefined;
    this.#input = undefined;
    if (!this.#move('idle', ActivityEvent.done)) return;
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    resolve?.(value);
  }

  #failed(task: T, spec: TaskSpec<R, T>, attempt: number, error: unknown): void {
    this.#inflight = undefined;
    const actor = this.#actor;
    if (error instanceof RestartIntensityError) {
      actor.crash(error);
      return;
    }
    if (spec.retry === undefined || attempt > spec.retry.maxRetries) {
      actor.crash(new TaskFailedError(actor.path, task, attempt, error));
      return;
    }
    const epoch = this.#epoch;
    actor.reportError(error);
    if (epoch !== this.#epoch || !this.#move(this.#states[task]!.retrying, ActivityEvent.failed)) {
      return;
    }
    const delay = backoffDelay(spec.retry.backoff, attempt - 1, actor.core.random, 0);
    this.#timer = actor.core.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#move(this.#states[task]!.waiting, ActivityEvent.retry)) {
        this.#tryStart(task, ActivityEvent.retry);
      }
    }, delay);
  }

  /** Rejects a pending `actor.run()` because the actor is leaving `started`. */
  interrupt(by: string): void {
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    reject?.(new ActorInterruptedError(this.#actor.path, 'run', by));
  }

  /**
   * Waits for the step in flight (its signal has fired) to finish, at most `timeoutMs`
   * on the system clock. Past that the step is abandoned: it may go on running, but its
   * outcome is ignored (the epoch moved on when `started` was left). Resolves with the
   * abandoned step, or `undefined` when the step ended (or none was in flight).
   */
  drain(timeoutMs: number): Promise<DrainCutShort | undefined> {
    this.interrupt('stop');
    const inflight = this.#inflight;
    this.#inflight = undefined;
    if (inflight === undefined) return NOTHING_ABANDONED;
    const task = this.#inflightTask;
    const attempt = this.#inflightAttempt;
    const clock = this.#actor.core.clock;
    return new Promise((resolve) => {
      let timer: unknown;
      let deadline = Number.POSITIVE_INFINITY;
      const cut = (ms: number): void => {
        if (clock.now() + ms >= deadline) return;
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        deadline = clock.now() + ms;
        if (!Number.isFinite(ms)) return;
        timer = clock.setTimeout(() => {
          timer = undefined;
          if (this.#cut === cut) this.#cut = undefined;
          resolve({ task, attempt, timeoutMs: ms });
        }, ms);
      };
      const ended = (): void => {
        if (timer !== undefined) clock.clearTimeout(timer);
        if (this.#cut === cut) this.#cut = undefined;
        resolve(undefined);
      };
      cut(Math.max(0, timeoutMs));
      this.#cut = cut;
      inflight.then(ended, ended);
    });
  }

  /** A drain in progress waits at most `timeoutMs` more (never longer than it would). */
  shortenDrain(timeoutMs: number): void {
    this.#cut?.(Math.max(0, timeoutMs));
  }
}
