/**
 * The one typed inspection stream of an actor system: every state transition of every
 * actor, every error, and every supervisor decision, in the order they happen. `telemetry.ts`, hooks and tests all
 * read the same records.
 */
import type { ChildKind } from './child-spec.js';
import type { ActivityState, ActorState } from './state.js';
import type { RestartIntensity, Strategy } from './supervisor.js';

/** One state change of one actor (one XState microstep that changed its state). */
export interface TransitionRecord {
  /** Discriminant. */
  readonly type: 'transition';
  /** The actor's id (unique among its siblings). */
  readonly actorId: string;
  /** The actor's tree path, e.g. `/worker/pool/executor-3`. */
  readonly path: string;
  /** Lifecycle state before, as `actor.state` read it. */
  readonly from: ActorState;
  /** Lifecycle state after. */
  readonly to: ActorState;
  /** Activity state before (`undefined` outside `started`), as `actor.activity` read it. */
  readonly fromActivity: ActivityState | undefined;
  /** Activity state after. */
  readonly toActivity: ActivityState | undefined;
  /**
   * The event that caused the change: a trigger (`start`, `stop`, `pause`, `resume`,
   * `restart`, `health`, `run`, `crash`), XState's completion events of the phases
   * (`xstate.done.actor.resources`, `xstate.error.actor.dependencies`, …), or one of the
   * activity region's own: `task.done` (a step returned), `task.failed` (a step threw and
   * will be retried), `task.retry` (the retry backoff elapsed). A task leaving
   * `<task>.waiting` reports the event that opened its gate (`run`, `health`, `resume`, …).
   */
  readonly event: string;
  /** Why, when the trigger said: the reason of a health report or check. */
  readonly reason?: string;
  /** Time on the system's clock. */
  readonly at: number;
}

/** An error raised in or around an actor: the crash cause, or a failed release. */
export interface ErrorRecord {
  /** Discriminant. */
  readonly type: 'error';
  /** The actor's id. */
  readonly actorId: string;
  /** The actor's tree path. */
  readonly path: string;
  /** Lifecycle state when the error was raised. */
  readonly state: ActorState;
  /** The error (an {@link ActorError} for every error the runtime raises itself). */
  readonly error: unknown;
  /** Time on the system's clock. */
  readonly at: number;
}

/**
 * What a supervisor decided about one child's exit, and why: the exit, the child's kind,
 * the strategy, the restarts inside the intensity window, the backoff.
 */
export interface DecisionRecord {
  /** Discriminant. */
  readonly type: 'decision';
  /** The supervisor's id. */
  readonly actorId: string;
  /** The supervisor's tree path. */
  readonly path: string;
  /** The path of the child that exited. */
  readonly child: string;
  /** How it exited: `crashed`, or `stopped` by someone other than the supervisor. */
  readonly exit: 'crashed' | 'stopped';
  /** The crash error, for a crash. */
  readonly error?: unknown;
  /** The child's kind, which says whether an exit calls for a restart. */
  readonly childKind: ChildKind;
  /** The supervisor's strategy. */
  readonly strategy: Strategy;
  /**
   * `restart` (the children in `affected`, after `backoffMs`), `ignore` (the child's kind
   * asks for no restart), or `escalate` (restarts in the window exceed the intensity: the
   * supervisor crashes with {@link RestartIntensityError}, for its own parent to decide).
   */
  readonly decision: 'restart' | 'ignore' | 'escalate';
  /** The wait before restarting, in ms (0 unless restarting). */
  readonly backoffMs: number;
  /** Restarts inside the intensity window, this one included (0 when ignored). */
  readonly restartsInWindow: number;
  /** The supervisor's restart intensity. */
  readonly intensity: RestartIntensity;
  /** Ids of the children restarted (the strategy's choice), in start order. */
  readonly affected: readonly string[];
  /** Time on the system's clock. */
  readonly at: number;
}

/** A record of the inspection stream. */
export type InspectionRecord = TransitionRecord | ErrorRecord | DecisionRecord;

/** Receives inspection records, synchronously, as they happen. */
export type InspectionListener = (record: InspectionRecord) => void;
