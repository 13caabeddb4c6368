/**
 * The handle of a spawned actor: its triggers, its readable state, its resources.
 */
import type { StopOptions } from './actor.js';
import type { ActorDefinition } from './definition.js';
import type { ResourceMap } from './resource.js';
import type { ActivityState, ActorState, Health } from './state.js';
import type { StopReport } from './stop-report.js';
import type { RunArgs, TaskInputs } from './task.js';
import type { ActorSystem } from './system.js';

/**
 * A live actor. Triggers that wait for the statechart to settle are async; the others
 * apply at once. A trigger the current state does not accept throws (or rejects with)
 * {@link IllegalTransitionError}, whose message names the state.
 *
 * Disposable: `await using actor = system.spawn(def)` stops it at the end of the scope.
 */
export interface ActorRef<
  R extends ResourceMap = ResourceMap,
  T extends string = string,
  I extends TaskInputs<T> = TaskInputs<T>,
> extends AsyncDisposable {
  /** Id, unique among the actor's siblings. */
  readonly id: string;
  /** Tree path: the ids from the root down, e.g. `/worker/pool/executor-3`. */
  readonly path: string;
  /** The definition it was spawned from. */
  readonly definition: ActorDefinition<R, T, I>;
  /** The system it lives in. */
  readonly system: ActorSystem;
  /** Its parent in the tree (its supervisor, for supervised children), if any. */
  readonly parent: ActorRef | undefined;
  /**
   * The lifecycle state outside the activity region, e.g. `started.running.healthy`,
   * `started.paused`, `starting.resources`, `crashed`. One of `ACTOR_STATES`.
   */
  readonly state: ActorState;
  /** The activity region while started (`idle`, `polling.running`, …), else `undefined`. */
  readonly activity: ActivityState | undefined;
  /** Current health while `started.running.*`, else `undefined` (also while paused). */
  readonly health: Health | undefined;
  /**
   * The acquired resources, typed from the definition. Throws
   * {@link ResourceUnavailableError} when the actor holds none (not started, stopped).
   */
  readonly resources: Readonly<R>;
  /** The error of the last crash, until the next successful start. */
  readonly crashError: unknown;
  /**
   * Starts dependencies, acquires resources, starts tasks. Resolves once `started`;
   * rejects with the crash error if it crashes instead (after releasing what it held).
   * While already starting, returns the same promise.
   */
  start(): Promise<void>;
  /**
   * Drains tasks (their signal fires), releases resources in reverse order, releases
   * dependencies, and resolves once `stopped` with a {@link StopReport}; rejects with
   * {@link ResourceReleaseError} if a release threw (every release still ran).
   *
   * Bounded: the step in flight gets `options.timeoutMs` (else the child spec's, else the
   * definition's `shutdownTimeoutMs`, default 5,000 ms) to end after its signal fired;
   * past that it is abandoned — reported as `report.abandoned`, with a
   * {@link StepAbandonedError} on the inspection stream — and the resources are released
   * anyway. A stop while starting interrupts the pending acquire at once (its signal
   * fires). Idempotent: while stopping returns the same promise (a shorter `timeoutMs`
   * cuts that wait short); when stopped resolves at once.
   */
  stop(options?: StopOptions): Promise<StopReport>;
  /** Same as {@link ActorRef.stop}; the name `await using` and pools expect. */
  close(): Promise<StopReport>;
  /**
   * Stops tasks and resources (reason `restart`) and starts them again; resolves once
   * `started` again. Allowed while started or crashed. Bounded like {@link ActorRef.stop}.
   */
  restart(options?: StopOptions): Promise<void>;
  /** `started.running.*` → `started.paused`; tasks finish their step and then wait. */
  pause(): void;
  /** `started.paused` → the health it was paused in. */
  resume(): void;
  /** Moves `started.running.*` to the reported health. */
  reportHealth(health: Health): void;
  /**
   * Starts a task while the activity is `idle`, with `input` (typed per task, checked by
   * the task's `input` when it has one); resolves with the value of the step that returns
   * to `idle` (rejects if the actor stops, restarts or crashes).
   */
  run(...args: RunArgs<T, I>): Promise<unknown>;
}
