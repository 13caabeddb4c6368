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
import { ActivityEvent, statesOf } from './activity.js';
import type { TaskStates } from './activity.js';
import {
  ActorDefinitionError,
  ActorInterruptedError,
  RestartIntensityError,
  TaskFailedError,
} from './errors.js';
import type { ResourceMap } from './resource.js';
import type { ActivityState, Health } from './state.js';
import { StepDrain } from './drain.js';
import type { DrainCutShort } from './drain.js';
import { StepTrace } from './step-trace.js';
import { InputRejected, checkTaskInput } from './task-input.js';
import { isNextTask, nextTask, sleepOn } from './task.js';
import type { RetryPolicy, TaskContext, TaskSpec } from './task.js';

const NOTHING_ABANDONED: Promise<DrainCutShort | undefined> = Promise.resolve(undefined);

/** Whether a step that threw `error` on `attempt` gets another attempt. */
function willRetry(
  spec: { readonly retry?: RetryPolicy },
  attempt: number,
  error: unknown,
): boolean {
  return (
    spec.retry !== undefined &&
    attempt <= spec.retry.maxRetries &&
    !(error instanceof RestartIntensityError)
  );
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
  #inflightTrace: StepTrace | undefined;
  readonly #drain = new StepDrain();
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

  /** `actor.run(task, input)` from `idle`; resolves when the chain returns to `idle`. */
  run(task: T, input: unknown): Promise<unknown> {
    const checked = checkTaskInput(this.#actor.path, this.#specs[task]!, task, input, 'run');
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
    const traced = StepTrace.begin(actor, task, attempt);
    // Called synchronously, so the step sees its signal before anything can abort it.
    let work: unknown;
    try {
      work = traced === undefined ? spec.run(ctx) : traced.run(spec, ctx);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- pass the task's error through as thrown
      work = Promise.reject(error);
    }
    this.#inflightTask = task;
    this.#inflightAttempt = attempt;
    this.#inflightTrace = traced;
    this.#inflight = Promise.resolve(work).then(
      (result) => {
        const current = this.#epoch === epoch;
        if (traced !== undefined) {
          if (!current) traced.end('aborted');
          else if (!isNextTask(result)) traced.end('idle');
          else traced.end('next', { next: result.task });
        }
        if (current) this.#done(task, result, attempt);
      },
      (error: unknown) => {
        const current = this.#epoch === epoch;
        if (traced !== undefined) {
          const outcome = !current
            ? 'aborted'
            : willRetry(spec, attempt, error)
              ? 'retry'
              : 'failed';
          traced.end(outcome, { error });
        }
        if (current) this.#failed(task, spec, attempt, error, traced === undefined);
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
      const checked = checkTaskInput(
        this.#actor.path,
        this.#specs[next]!,
        next,
        result.input,
        'next',
      );
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

  /** `onSpan`: whether a retried error still needs recording (no step span has it). */
  #failed(task: T, spec: TaskSpec<R, T>, attempt: number, error: unknown, onSpan: boolean): void {
    this.#inflight = undefined;
    const actor = this.#actor;
    if (error instanceof RestartIntensityError) {
      actor.crash(error);
      return;
    }
    if (spec.retry === undefined || !willRetry(spec, attempt, error)) {
      actor.crash(new TaskFailedError(actor.path, task, attempt, error));
      return;
    }
    const epoch = this.#epoch;
    actor.reportError(error, onSpan);
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

  /**
   * Rejects a pending `actor.run()` because the actor is leaving `started`: with the
   * step's own failure when that is what crashed it (a {@link TaskFailedError}, whose
   * `cause` is what the step threw), else as interrupted, with the crash as `cause`.
   */
  interrupt(by: string, crash?: unknown): void {
    const reject = this.#reject;
    if (reject === undefined) return;
    this.#resolve = this.#reject = undefined;
    reject(
      crash instanceof TaskFailedError && crash.actorPath === this.#actor.path
        ? crash
        : new ActorInterruptedError(this.#actor.path, 'run', by, crash),
    );
  }

  /**
   * Waits for the step in flight (its signal has fired) to end, at most `timeoutMs` on
   * the system clock; see `drain.ts`. Resolves with the abandoned step, if any.
   */
  drain(timeoutMs: number): Promise<DrainCutShort | undefined> {
    this.interrupt('stop');
    const promise = this.#inflight;
    this.#inflight = undefined;
    if (promise === undefined) return NOTHING_ABANDONED;
    const step = {
      promise,
      task: this.#inflightTask,
      attempt: this.#inflightAttempt,
      trace: this.#inflightTrace,
    };
    return this.#drain.wait(step, this.#actor.core.clock, timeoutMs);
  }

  /** A drain in progress waits at most `timeoutMs` more (never longer than it would). */
  shortenDrain(timeoutMs: number): void {
    this.#drain.shorten(timeoutMs);
  }
}
