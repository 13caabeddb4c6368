/**
 * One live actor: the XState actor running its definition's lifecycle machine, and the
 * triggers. What the machine's phases call into lives in `lifecycle.ts`. Settling (a
 * trigger's promise resolving) is driven by the machine's entry actions, so an actor
 * nobody inspects pays for no subscription, no listener and no timer.
 */
import type { Span } from '@opentelemetry/api';
import { createActor } from 'xstate';
import type { StateValue, Actor as XActor } from 'xstate';
import type { ActorRef } from './actor-ref.js';
import type { ActorDefinition } from './definition.js';
import {
  IllegalTransitionError,
  InvalidArgumentError,
  ResourceUnavailableError,
} from './errors.js';
import type { InspectionRecord } from './inspection.js';
import { ActorLifecycle } from './lifecycle.js';
import type { LifecycleEvent, LifecycleMachine } from './machine.js';
import { TransitionObserver } from './observer.js';
import type { ResourceMap, ResourceScope } from './resource.js';
import { lifecycleOf } from './state.js';
import type { ActivityState, ActorState, Health } from './state.js';
import { StopNotes } from './stop-report.js';
import type { StopReport } from './stop-report.js';
import type { SystemCore } from './system.js';
import type { RunArgs, TaskInputs } from './task.js';

/** Options of `stop()`, `restart()` and a supervisor's `removeChild()`. */
export interface StopOptions {
  /**
   * How long to wait for the task step in flight to end after its signal fired, before
   * abandoning it (its resources are released anyway), in ms. Overrides the child spec's
   * and the definition's `shutdownTimeoutMs`. `Infinity` waits for as long as it takes.
   */
  readonly timeoutMs?: number;
}

/** How an actor left `started` for good, as its supervisor learns it. */
export interface ActorExit {
  /** `crashed` (with `error`), or `stopped` by someone other than the supervisor. */
  readonly reason: 'crashed' | 'stopped';
  readonly error?: unknown;
}

/** Receives the exits of a linked (supervised) actor. */
export type ExitListener = (actor: ActorInstance, exit: ActorExit) => void;

const EVENTS = {
  start: { type: 'start' },
  stop: { type: 'stop' },
  restart: { type: 'restart' },
  pause: { type: 'pause' },
  resume: { type: 'resume' },
} as const satisfies Record<string, LifecycleEvent>;
const RESOLVED = Promise.resolve();
const NO_RESOURCES = Object.freeze({});

/** A live actor; the implementation behind {@link ActorRef}. */
export class ActorInstance<
  R extends ResourceMap = ResourceMap,
  T extends string = string,
> implements ActorRef<R, T> {
  readonly xactor: XActor<LifecycleMachine>;
  /** What the statechart calls into; the runtime state behind this handle. */
  readonly lc: ActorLifecycle<R, T>;
  /** Set while the supervisor itself stops this actor, so the stop is not an exit. */
  stoppingBySupervisor = false;
  /** Open lifetime span, when something records. */
  span: Span | undefined;
  #restarts = 0;
  #observer: TransitionObserver | undefined;

  constructor(
    readonly core: SystemCore,
    readonly definition: ActorDefinition<R, T>,
    readonly id: string,
    readonly path: string,
    readonly parent: ActorInstance | undefined,
    dependencies: readonly ActorInstance[],
    readonly link: ExitListener | undefined,
    shutdownTimeoutMs?: number,
  ) {
    this.lc = new ActorLifecycle(this, dependencies, shutdownTimeoutMs);
    this.xactor = createActor(definition.machine, { input: this.lc, clock: core.clock });
    if (core.inspected || definition.spec.hooks !== undefined) this.observe();
    this.xactor.start();
  }

  get system(): SystemCore {
    return this.core;
  }

  get state(): ActorState {
    return lifecycleOf(this.xactor.getSnapshot().value);
  }

  get activity(): ActivityState | undefined {
    return this.lc.activity;
  }

  get health(): Health | undefined {
    return this.runningHealth();
  }

  /** The health while `started.running.*`, read straight from the state value. */
  runningHealth(): Health | undefined {
    const value = this.xactor.getSnapshot().value as string | Record<string, StateValue>;
    if (typeof value === 'string') return undefined;
    const started = value.started;
    return typeof started === 'object' ? (started.running as Health | undefined) : undefined;
  }

  get resources(): Readonly<R> {
    const values = this.lc.resources?.values;
    if (values !== undefined) return values as Readonly<R>;
    if (this.definition.spec.resources === undefined) return NO_RESOURCES as Readonly<R>;
    throw new ResourceUnavailableError(this.path, this.state);
  }

  get crashError(): unknown {
    return this.lc.crashError;
  }

  /** The shutdown timeout that applies when the caller gives none. */
  get shutdownTimeoutMs(): number {
    return this.lc.shutdownTimeoutMs;
  }

  /** The resource scope of the current lifetime, while acquiring or holding. */
  protected get resourceScope(): ResourceScope | undefined {
    return this.lc.resources?.scope;
  }

  /**
   * Acquires what the declared specs do not (a supervisor's children), into the same
   * scope, after them. Nothing for a plain actor.
   */
  acquireMore(_scope: ResourceScope): Promise<void> {
    return RESOLVED;
  }

  /** Starts reporting transitions (to hooks, inspectors, the span); idempotent. */
  observe(): void {
    this.#observer ??= new TransitionObserver(this);
  }

  /** Moves the activity region (the task runner's call); reports it when observed. */
  moveActivity(to: ActivityState, event: string): void {
    this.lc.activity = to;
    this.#observer?.activityMoved(event);
  }

  #refuse(trigger: string): IllegalTransitionError {
    return new IllegalTransitionError(this.path, trigger, this.state);
  }

  #can(event: LifecycleEvent): boolean {
    return this.xactor.getSnapshot().can(event);
  }

  start(): Promise<void> {
    const pending = this.lc.pending.pending('start');
    if (pending !== undefined) return pending;
    if (!this.#can(EVENTS.start)) return Promise.reject(this.#refuse('start'));
    const waiter = this.lc.pending.open('start');
    this.#beginLifetime();
    this.xactor.send(EVENTS.start);
    return waiter;
  }

  stop(options?: StopOptions): Promise<StopReport> {
    const timeoutMs = options?.timeoutMs;
    const invalid = this.#invalidTimeout('stop', timeoutMs);
    if (invalid !== undefined) return Promise.reject(invalid);
    const pending = this.lc.pending.stopping;
    if (pending !== undefined) {
      // A second, shorter bound (a cold stop after a warm one) cuts the wait short.
      if (timeoutMs !== undefined) this.lc.tasks?.shortenDrain(timeoutMs);
      return pending;
    }
    if (!this.#can(EVENTS.stop)) {
      if (this.state === 'stopped') return Promise.resolve(new StopNotes().report(this.path));
      return Promise.reject(this.#refuse('stop'));
    }
    const waiter = this.lc.pending.openStop();
    this.lc.beginExit('stop', timeoutMs);
    this.xactor.send(EVENTS.stop);
    return waiter;
  }

  close(): Promise<StopReport> {
    return this.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  restart(options?: StopOptions): Promise<void> {
    const invalid = this.#invalidTimeout('restart', options?.timeoutMs);
    if (invalid !== undefined) return Promise.reject(invalid);
    const pending = this.lc.pending.pending('restart');
    if (pending !== undefined) return pending;
    if (!this.#can(EVENTS.restart)) return Promise.reject(this.#refuse('restart'));
    const waiter = this.lc.pending.open('restart');
    this.lc.beginExit('restart', options?.timeoutMs);
    this.#restarts++;
    if (this.state === 'crashed') this.#beginLifetime();
    else if (this.span !== undefined) this.core.telemetry.restarted(this.span, this.#restarts);
    this.xactor.send(EVENTS.restart);
    return waiter;
  }

  pause(): void {
    this.#sendNow(EVENTS.pause, 'pause');
  }

  resume(): void {
    this.#sendNow(EVENTS.resume, 'resume');
  }

  reportHealth(health: Health): void {
    this.#sendNow({ type: 'health', health }, 'reportHealth');
  }

  run(...args: RunArgs<T, TaskInputs<T>>): Promise<unknown> {
    const [task, input] = args as [T, unknown?];
    const tasks = this.lc.tasks;
    if (this.lc.activity !== 'idle' || tasks === undefined || !tasks.declares(task)) {
      return Promise.reject(this.#refuse(`run:${task}`));
    }
    return tasks.run(task, input);
  }

  #sendNow(event: LifecycleEvent, trigger: string): void {
    if (!this.#can(event)) throw this.#refuse(trigger);
    this.send(event);
  }

  /** Sends a lifecycle event; a task it let through its health gate starts at once. */
  send(event: LifecycleEvent): void {
    this.xactor.send(event);
    this.lc.tasks?.flush();
  }

  #invalidTimeout(trigger: string, timeoutMs: number | undefined): Error | undefined {
    if (timeoutMs === undefined || timeoutMs >= 0) return undefined;
    return new InvalidArgumentError(
      this.path,
      trigger,
      `timeoutMs must be a number of ms >= 0 (or Infinity), got ${String(timeoutMs)}`,
    );
  }

  /** A supervisor stopped one of its children as part of this actor's stop. */
  noteChildStopped(report: StopReport): void {
    this.lc.notes.children.push(report);
  }

  #beginLifetime(): void {
    this.lc.crashError = undefined;
    this.span = this.core.telemetry.begin(
      this.definition.name,
      this.id,
      this.path,
      this.#restarts,
      this.parent?.span,
    );
    if (this.span !== undefined) this.observe();
  }

  /** Reports an error to the hooks, the inspection stream and the span. */
  reportError(error: unknown): void {
    const onError = this.definition.spec.hooks?.onError;
    if (onError !== undefined) {
      try {
        onError(error, { actorId: this.id, path: this.path, state: this.state });
      } catch (hookError) {
        this.core.unhandled(hookError, this);
      }
    }
    if (this.core.inspected) {
      const at = this.core.clock.now();
      const record: InspectionRecord = {
        type: 'error',
        actorId: this.id,
        path: this.path,
        state: this.state,
        error,
        at,
      };
      this.core.emit(record, this);
    }
    if (this.span !== undefined) this.core.telemetry.error(this.span, error);
  }

  /** Crashes the actor from outside a phase (hooks, health probe), if it can crash now. */
  crash(error: unknown): void {
    const event: LifecycleEvent = { type: 'crash', error };
    if (this.#can(event)) this.send(event);
    else {
      this.reportError(error);
      this.core.unhandled(error, this);
    }
  }

  /** A dependent needs this actor started. */
  retain(): Promise<void> {
    this.lc.dependents++;
    return (
      this.lc.pending.starting ?? (this.state.startsWith('started.') ? RESOLVED : this.start())
    );
  }

  /** A dependent stopped; the last one out stops this actor. */
  async release(): Promise<void> {
    if (--this.lc.dependents === 0) await this.stop();
  }

  /** Stops the XState actor for good (system close). */
  dispose(): void {
    this.xactor.stop();
  }
}
