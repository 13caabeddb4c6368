/**
 * One live actor: the XState actor running its definition's lifecycle machine, the
 * triggers, and the runtime the machine's phases call into. Settling (a trigger's
 * promise resolving) is driven by the machine's entry actions, so an actor nobody
 * inspects pays for no subscription, no listener and no timer.
 */
import type { Span } from '@opentelemetry/api';
import { createActor } from 'xstate';
import type { StateValue, Actor as XActor } from 'xstate';
import type { ActorRef } from './actor-ref.js';
import type { ActorDefinition } from './definition.js';
import { DependencyLinks } from './dependencies.js';
import {
  ActorError,
  IllegalTransitionError,
  InvalidArgumentError,
  ResourceUnavailableError,
  StepAbandonedError,
} from './errors.js';
import type { ResourceReleaseError } from './errors.js';
import type { LifecycleEvent, LifecycleMachine, LifecycleRuntime } from './machine.js';
import { TransitionObserver } from './observer.js';
import { PendingTriggers } from './pending-triggers.js';
import { ResourceHolder } from './resource.js';
import type { ResourceMap, ResourceScope } from './resource.js';
import { startHealthProbe } from './health-probe.js';
import { lifecycleOf } from './state.js';
import type { ActivityState, ActorState, ExitReason, Health } from './state.js';
import { StopNotes } from './stop-report.js';
import type { StopReport } from './stop-report.js';
import type { SystemCore } from './system.js';
import { TaskRunner } from './task-runner.js';

/** Default bound on how long a stop waits for the step in flight (OTP's default, 5 s). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

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
export class ActorInstance<R extends ResourceMap = ResourceMap, T extends string = string>
  implements ActorRef<R, T>, LifecycleRuntime
{
  readonly xactor: XActor<LifecycleMachine>;
  /** Set while the supervisor itself stops this actor, so the stop is not an exit. */
  stoppingBySupervisor = false;
  /** Open lifetime span, when something records. */
  span: Span | undefined;
  #restarts = 0;
  #observer: TransitionObserver | undefined;
  #activity: ActivityState | undefined;
  #resources: ResourceHolder | undefined;
  readonly #dependencies: DependencyLinks | undefined;
  #dependents = 0;
  #tasks: TaskRunner<R, T> | undefined;
  #crashError: unknown;
  #stopError: ResourceReleaseError | undefined;
  readonly #pending: PendingTriggers;
  /** The shutdown timeout given at spawn (a child spec's), over the definition's. */
  readonly #shutdownTimeoutMs: number | undefined;
  /** The bound of the stop or restart in progress, when its caller gave one. */
  #boundMs: number | undefined;
  /** Why `started` is being left: the abandoned-step report says so. */
  #exitBy: ExitReason = 'stop';
  #notes = new StopNotes();

  constructor(
    readonly core: SystemCore,
    readonly definition: ActorDefinition<R, T>,
    readonly id: string,
    readonly path: string,
    readonly parent: ActorInstance | undefined,
    readonly dependencies: readonly ActorInstance[],
    readonly link: ExitListener | undefined,
    shutdownTimeoutMs?: number,
  ) {
    this.#pending = new PendingTriggers(path);
    this.#shutdownTimeoutMs = shutdownTimeoutMs;
    if (dependencies.length > 0) this.#dependencies = new DependencyLinks(path, dependencies);
    this.xactor = createActor(definition.machine, { input: this, clock: core.clock });
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
    return this.#activity;
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
    const values = this.#resources?.values;
    if (values !== undefined) return values as Readonly<R>;
    if (this.definition.spec.resources === undefined) return NO_RESOURCES as Readonly<R>;
    throw new ResourceUnavailableError(this.path, this.state);
  }

  get crashError(): unknown {
    return this.#crashError;
  }

  /** The resource scope of the current lifetime, while acquiring or holding. */
  protected get resourceScope(): ResourceScope | undefined {
    return this.#resources?.scope;
  }

  /** Starts reporting transitions (to hooks, inspectors, the span); idempotent. */
  observe(): void {
    this.#observer ??= new TransitionObserver(this);
  }

  /** Moves the activity region (the task runner's call); reports it when observed. */
  moveActivity(to: ActivityState, event: string): void {
    this.#activity = to;
    this.#observer?.activityMoved(event);
  }

  #refuse(trigger: string): IllegalTransitionError {
    return new IllegalTransitionError(this.path, trigger, this.state);
  }

  #can(event: LifecycleEvent): boolean {
    return this.xactor.getSnapshot().can(event);
  }

  start(): Promise<void> {
    const pending = this.#pending.pending('start');
    if (pending !== undefined) return pending;
    if (!this.#can(EVENTS.start)) return Promise.reject(this.#refuse('start'));
    const waiter = this.#pending.open('start');
    this.#beginLifetime();
    this.xactor.send(EVENTS.start);
    return waiter;
  }

  /** The shutdown timeout that applies when the caller gives none. */
  get shutdownTimeoutMs(): number {
    return (
      this.#shutdownTimeoutMs ??
      this.definition.spec.shutdownTimeoutMs ??
      DEFAULT_SHUTDOWN_TIMEOUT_MS
    );
  }

  stop(options?: StopOptions): Promise<StopReport> {
    const timeoutMs = options?.timeoutMs;
    const invalid = this.#invalidTimeout('stop', timeoutMs);
    if (invalid !== undefined) return Promise.reject(invalid);
    const pending = this.#pending.stopping;
    if (pending !== undefined) {
      // A second, shorter bound (a cold stop after a warm one) cuts the wait short.
      if (timeoutMs !== undefined) this.#tasks?.shortenDrain(timeoutMs);
      return pending;
    }
    if (!this.#can(EVENTS.stop)) {
      if (this.state === 'stopped') return Promise.resolve(new StopNotes().report(this.path));
      return Promise.reject(this.#refuse('stop'));
    }
    const waiter = this.#pending.openStop();
    this.#beginExit('stop', timeoutMs);
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
    const pending = this.#pending.pending('restart');
    if (pending !== undefined) return pending;
    if (!this.#can(EVENTS.restart)) return Promise.reject(this.#refuse('restart'));
    const waiter = this.#pending.open('restart');
    this.#beginExit('restart', options?.timeoutMs);
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

  run(task: T, input?: unknown): Promise<unknown> {
    const tasks = this.#tasks;
    if (this.#activity !== 'idle' || tasks === undefined || !tasks.declares(task)) {
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
    this.#tasks?.flush();
  }

  #invalidTimeout(trigger: string, timeoutMs: number | undefined): Error | undefined {
    if (timeoutMs === undefined || timeoutMs >= 0) return undefined;
    return new InvalidArgumentError(
      this.path,
      trigger,
      `timeoutMs must be a number of ms >= 0 (or Infinity), got ${String(timeoutMs)}`,
    );
  }

  /** A stop or restart begins: fresh notes, and the caller's bound if it gave one. */
  #beginExit(by: ExitReason, timeoutMs: number | undefined): void {
    this.#exitBy = by;
    this.#boundMs = timeoutMs;
    this.#notes = new StopNotes();
  }

  /** A supervisor stopped one of its children as part of this actor's stop. */
  noteChildStopped(report: StopReport): void {
    this.#notes.children.push(report);
  }

  #beginLifetime(): void {
    this.#crashError = undefined;
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
      this.core.emit(
        { type: 'error', actorId: this.id, path: this.path, state: this.state, error, at },
        this,
      );
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

  // ---- LifecycleRuntime: called by the machine's phases and actions ----

  startDependencies(): Promise<void> {
    return this.#dependencies?.start() ?? RESOLVED;
  }

  /** A dependent needs this actor started. */
  retain(): Promise<void> {
    this.#dependents++;
    return this.#pending.starting ?? (this.state.startsWith('started.') ? RESOLVED : this.start());
  }

  /** A dependent stopped; the last one out stops this actor. */
  async release(): Promise<void> {
    if (--this.#dependents === 0) await this.stop();
  }

  async acquireResources(): Promise<void> {
    const specs = this.definition.spec.resources;
    if (specs === undefined) return;
    this.#resources ??= new ResourceHolder();
    const timeoutMs = this.definition.spec.resourceTimeoutMs ?? 30_000;
    const scope = await this.#resources.acquire(this, this.core.clock, specs, timeoutMs);
    if (!scope.closed) await this.acquireMore(scope);
  }

  /**
   * Acquires what the declared specs do not (a supervisor's children), into the same
   * scope, after them. Nothing for a plain actor.
   */
  protected acquireMore(_scope: ResourceScope): Promise<void> {
    return RESOLVED;
  }

  startTasks(): Promise<void> {
    return RESOLVED;
  }

  async drainTasks(): Promise<void> {
    const tasks = this.#tasks;
    if (tasks === undefined) return;
    const cutShort = await tasks.drain(this.#boundMs ?? this.shutdownTimeoutMs);
    if (cutShort === undefined) return;
    const { task, attempt, timeoutMs } = cutShort;
    const error = new StepAbandonedError(this.path, task, attempt, timeoutMs, this.#exitBy);
    this.#notes.abandoned = { task, attempt, timeoutMs, reason: error.message, error };
    this.reportError(error);
  }

  async releaseResources(reason: ExitReason): Promise<void> {
    const scope = this.#resources?.scope;
    try {
      await this.#resources?.release(reason);
    } catch (error) {
      if (reason !== 'stop') throw error;
      this.#stopError = error as ResourceReleaseError;
      this.reportError(error);
    } finally {
      if (scope?.interrupted !== undefined) this.#notes.interruptedAcquire = scope.interrupted;
    }
  }

  releaseDependencies(): Promise<void> {
    return this.#dependencies?.release((error) => this.reportError(error)) ?? RESOLVED;
  }

  async releaseAfterCrash(): Promise<void> {
    await this.drainTasks();
    try {
      await this.releaseResources('crash');
    } catch (error) {
      if (this.#crashError instanceof ActorError) {
        this.#crashError.releaseError = error as ResourceReleaseError;
      }
      this.reportError(error);
    }
  }

  enterActivity(event: string): void {
    if (this.definition.taskNames.length === 0) {
      this.#activity = 'idle';
      return;
    }
    this.#activity = (this.#tasks ??= new TaskRunner(this)).enter(event);
  }

  exitActivity(): void {
    this.#activity = undefined;
    this.#tasks?.exit();
  }

  gateChanged(event: string): void {
    this.#tasks?.gateChanged(event);
  }

  startHealthProbe(send: (event: LifecycleEvent) => void): () => void {
    return startHealthProbe(this, (event) => {
      send(event);
      this.#tasks?.flush();
    });
  }

  recordCrash(error: unknown): void {
    this.#beginExit('crash', undefined);
    this.#crashError = error;
    this.reportError(error);
    this.#tasks?.interrupt('crash');
  }

  crashSettled(): void {
    const error = this.#crashError;
    if (this.span !== undefined) this.core.telemetry.end(this.span, 'crashed', error);
    this.span = undefined;
    if (this.#pending.crashed(error)) return;
    if (this.link !== undefined) this.link(this, { reason: 'crashed', error });
    else this.core.unhandled(error, this);
  }

  settled(state: 'started' | 'stopped'): void {
    this.#boundMs = undefined;
    if (state === 'started') {
      this.#pending.started();
      return;
    }
    const error = this.#stopError;
    this.#stopError = undefined;
    if (!this.#pending.stopped(this.#notes.report(this.path), error)) {
      this.core.unhandled(error, this);
    }
    if (this.link !== undefined && !this.stoppingBySupervisor) {
      this.link(this, { reason: 'stopped' });
    }
  }

  /** Stops the XState actor for good (system close). */
  dispose(): void {
    this.xactor.stop();
  }
}
